using AlexNet.Experiments.Host.Cli;
using System.Net;
using System.Text.RegularExpressions;
using AlexNet.Experiments.Host.Api;
using Microsoft.AspNetCore.Builder;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>
/// Issue 8, promise 8: beyond loopback every request needs the API key, the host refuses to start there without one, and the
/// dashboard only changes anything with a key and an anti-forgery token. Real Kestrel bound to 0.0.0.0; traffic to 127.0.0.1 only.
/// </summary>
public sealed class AccessControlTests : IDisposable
{
    private const string Key = "test-key-7f3a";
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-access-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held by a background thread; the temp folder is cleaned by the OS
        }
    }

    private string[] Args(params string[] extra) =>
        [$"--AlexNet:DataDirectory={dataDirectory}", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Hangfire=Error", .. extra];

    [Theory]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("http://127.0.0.2:80", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:0", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://192.168.1.4:5080", false)]
    [InlineData("http://example.org", false)]
    public void Only_localhost_and_loopback_addresses_count_as_loopback(string url, bool loopback) =>
        AccessControl.IsLoopback(url).ShouldBe(loopback);

    [Fact]
    public async Task Without_a_key_the_host_refuses_to_listen_beyond_loopback_in_one_line()
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int exitCode;
        try
        {
            exitCode = await CommandLineApp.InvokeAsync(["serve", .. Args("--urls=http://0.0.0.0:0")], ServeCommand.Create());
        }
        finally
        {
            Console.SetError(previous);
        }

        exitCode.ShouldBe(1);
        var message = error.ToString().TrimEnd();
        message.ShouldNotContain('\n');
        message.ShouldContain("AlexNet:ApiKey");
        message.ShouldContain("http://0.0.0.0:0");
    }

    [Fact]
    public async Task With_a_key_every_endpoint_and_the_dashboard_need_it()
    {
        await using var app = ExperimentsHost.Create(Args("--urls=http://0.0.0.0:0", $"--AlexNet:ApiKey={Key}"));
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{new Uri(app.Urls.Single()).Port}") };

        foreach (var path in new[] { "/api/experiments", "/api/datasets", "/hangfire", "/openapi/v1.json", $"/api/runs/{Guid.NewGuid()}" })
        {
            using var anonymous = await client.GetAsync(path);
            anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
            anonymous.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", path);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/experiments") { Headers = { { "X-Api-Key", "guess" } } })
        {
            (await client.SendAsync(wrong)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        using (var header = new HttpRequestMessage(HttpMethod.Get, "/api/experiments") { Headers = { { "X-Api-Key", Key } } })
        {
            (await client.SendAsync(header)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using (var bearer = new HttpRequestMessage(HttpMethod.Get, "/hangfire") { Headers = { { "Authorization", $"Bearer {Key}" } } })
        {
            (await client.SendAsync(bearer)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/experiments") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        (await client.SendAsync(post)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "the key is checked before the body is read");

        await app.StopAsync();
    }

    [Fact]
    public async Task Dashboard_posts_need_an_anti_forgery_token_even_with_the_key()
    {
        await using var app = ExperimentsHost.Create(Args("--urls=http://127.0.0.1:0", $"--AlexNet:ApiKey={Key}"));
        await app.StartAsync();
        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(app.Urls.Single()) };
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        const string Command = "/hangfire/recurring/trigger";

        using var forged = await client.PostAsync(Command, new FormUrlEncodedContent([new("jobs[]", "nightly")]));
        forged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // The dashboard's own pages carry the token; with it (and the cookie it came with) the same command goes through.
        using var genuine = await PostWithTokenAsync(client, Command);
        ((int)genuine.StatusCode).ShouldBeLessThan(400);

        await app.StopAsync();
    }

    [Fact]
    public async Task Without_a_key_the_dashboard_on_loopback_is_read_only()
    {
        await using var app = ExperimentsHost.Create(Args("--urls=http://127.0.0.1:0"));
        await app.StartAsync();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(app.Urls.Single()) };

        (await client.GetAsync("/hangfire")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var post = await PostWithTokenAsync(client, "/hangfire/recurring/trigger");
        ((int)post.StatusCode).ShouldBeGreaterThanOrEqualTo(400, "a valid anti-forgery token does not make a read-only dashboard writable");

        await app.StopAsync();
    }

    /// <summary>Posts a dashboard command as the dashboard's own page would: with the token from its meta tags and its cookie.</summary>
    private static async Task<HttpResponseMessage> PostWithTokenAsync(HttpClient client, string command)
    {
        var page = await client.GetStringAsync("/hangfire/recurring");
        var header = Meta("csrf-header").Match(page);
        var token = Meta("csrf-token").Match(page);
        header.Success.ShouldBeTrue();
        token.Success.ShouldBeTrue();
        var request = new HttpRequestMessage(HttpMethod.Post, command) { Content = new FormUrlEncodedContent([new("jobs[]", "nightly")]) };
        request.Headers.Add(WebUtility.HtmlDecode(header.Groups[1].Value), WebUtility.HtmlDecode(token.Groups[1].Value));
        return await client.SendAsync(request);
    }

    private static Regex Meta(string name) => new($"<meta name=\"{name}\" content=\"([^\"]+)\"");
}
