using System.Text.Json;

namespace AlexNet.Experiments.Application.Common;

/// <summary>Names a request field the way the client wrote it: "$.model.dropout" and "Model.Dropout" both become "model.dropout".</summary>
public static class FieldPath
{
    public static string ToJson(string path) =>
        string.Join('.', path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries).Select(JsonNamingPolicy.CamelCase.ConvertName));
}
