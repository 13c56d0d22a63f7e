namespace AlexNet.Experiments.Application.Common;

/// <summary>The request is valid but the resource's current state does not allow it (e.g. deleting a running run).</summary>
public sealed class ConflictException(string message) : Exception(message);
