using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Storage;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.AnnotateRun;

/// <summary>Replaces a run's tags and/or note; a null field is left as it is.</summary>
public sealed record AnnotateRunCommand(Guid RunId, IReadOnlyList<string>? Tags, string? Note) : ICommand;

public sealed class AnnotateRunValidator : AbstractValidator<AnnotateRunCommand>
{
    public AnnotateRunValidator()
    {
        RuleFor(c => c.Tags).Must(t => t is null || t.Count <= 32).WithMessage("At most 32 tags.");
        // Stop at a tag's first fault: the later rules read the tag, and a JSON null in the list ([null]) is not one.
        RuleForEach(c => c.Tags).Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("A tag is text, not null.")
            .NotEmpty().MaximumLength(64).Must(t => t.Trim() == t).WithMessage("A tag has no leading or trailing spaces.")
            .PlainLine();
        RuleFor(c => c.Note).MaximumLength(10_000).PlainText();
    }
}

public sealed class AnnotateRunHandler(IRunStore runStore) : ICommandHandler<AnnotateRunCommand>
{
    public async ValueTask<Unit> Handle(AnnotateRunCommand command, CancellationToken cancellationToken) =>
        await runStore.AnnotateRunAsync(command.RunId, command.Tags, command.Note, cancellationToken)
            ? Unit.Value
            : throw new NotFoundException("Run", command.RunId);
}
