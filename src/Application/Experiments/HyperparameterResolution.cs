using System.Text.Json;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using FluentValidation;
using FluentValidation.Results;

namespace AlexNet.Experiments.Application.Experiments;

/// <summary>Preset + overrides -> validated hyperparameters, with failures named by their JSON path ("hyperparameters.model.dropout").</summary>
public static class HyperparameterResolution
{
    public const string Field = "hyperparameters";

    public static (Hyperparameters? Resolved, IReadOnlyList<ValidationFailure> Failures) Resolve(
        string preset, JsonObject? overrides, IReadOnlyList<string>? availableDevices)
    {
        if (!HyperparameterPresets.All.TryGetValue(preset, out var baseline))
        {
            return (null, [new ValidationFailure("preset", $"Unknown preset '{preset}'. Known presets: {string.Join(", ", HyperparameterPresets.All.Keys)}.")]);
        }

        Hyperparameters resolved;
        try
        {
            resolved = HyperparameterJson.Merge(baseline, overrides);
        }
        catch (JsonException e)
        {
            return (null, [new ValidationFailure(FieldPath.ToJson($"{Field}{e.Path?.TrimStart('$')}"), JsonErrors.Describe(e))]);
        }

        var failures = Validate(resolved, availableDevices);
        return (failures.Count == 0 ? resolved : null, failures);
    }

    /// <summary>Failures of already-resolved hyperparameters, named by JSON path under "hyperparameters".</summary>
    public static IReadOnlyList<ValidationFailure> Validate(Hyperparameters hyperparameters, IReadOnlyList<string>? availableDevices) =>
        new HyperparametersValidator(availableDevices).Validate(hyperparameters).Errors
            .Select(f => new ValidationFailure(FieldPath.ToJson($"{Field}.{f.PropertyName}"), f.ErrorMessage, f.AttemptedValue))
            .ToList();

    /// <summary>The validator rule for a message carrying a preset name and hyperparameter overrides.</summary>
    /// <param name="availableDevices">As for <see cref="Resolve"/>: null accepts any well-formed device name.</param>
    public static IRuleBuilderOptionsConditions<T, JsonObject?> MustResolve<T>(
        this IRuleBuilder<T, JsonObject?> rule, Func<T, string?> preset, IReadOnlyList<string>? availableDevices) =>
        rule.Custom((overrides, context) =>
        {
            foreach (var failure in Resolve(preset(context.InstanceToValidate) ?? "", overrides, availableDevices).Failures)
            {
                context.AddFailure(failure);
            }
        });
}
