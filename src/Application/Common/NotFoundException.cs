namespace AlexNet.Experiments.Application.Common;

/// <param name="detail">What exactly is missing, when "<paramref name="resource"/> '<paramref name="id"/>' was not found." says too little.</param>
public sealed class NotFoundException(string resource, object id, string? detail = null) : Exception(detail ?? $"{resource} '{id}' was not found.")
{
    public string Resource { get; } = resource;
}
