using PuppeteerSharp;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Debian's chromium, headless, for the web app's browser tests: no sandbox (tests run as root), nothing fetched in the background.</summary>
internal static class Chromium
{
    public static Task<IBrowser> LaunchAsync(string profile) => Puppeteer.LaunchAsync(new LaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        UserDataDir = profile,
        Args =
        [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
        ],
    });
}
