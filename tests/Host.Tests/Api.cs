using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Small HTTP helpers shared by the API tests: post JSON, read JSON, wait for a run to finish or reach a state.</summary>
public static class Api
{
    public static async Task<(HttpResponseMessage Response, JsonNode? Body)> PostAsync(this HttpClient client, string url, string json)
    {
        var response = await client.PostAsync(url, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!;
    }

    public static async Task<JsonNode> WaitForRunAsync(this HttpClient client, string runId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var run = await client.GetJsonAsync($"/api/runs/{runId}");
            var status = run["run"]!["status"]!.GetValue<string>();
            if (status is "Succeeded" or "Failed" or "Diverged")
            {
                return run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Run {runId} still {status} after {timeout}: {run.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Polls the run (the "run" object of GET /api/runs/{id}) until <paramref name="condition"/> holds.</summary>
    public static async Task<JsonNode> WaitForRunStateAsync(this HttpClient client, string runId, Func<JsonNode, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var run = (await client.GetJsonAsync($"/api/runs/{runId}"))["run"]!;
            if (condition(run))
            {
                return run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Run {runId} did not reach the awaited state within {timeout}: {run.ToJsonString()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>True once the run's stored progress shows a training batch done and images of the epoch still to come.</summary>
    public static bool IsMidEpoch(JsonNode run) =>
        run["progress"] is { } progress && progress["phase"]?.GetValue<string>() == "training"
        && progress["imagesDone"]!.GetValue<int>() > 0 && progress["imagesDone"]!.GetValue<int>() < progress["imagesTotal"]!.GetValue<int>();
}
