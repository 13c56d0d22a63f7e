using AlexNet.Experiments.Infrastructure.Torch.OneDnn;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Runtime;

/// <summary>How the host reads its probe child: the last line of its output is the result; anything else is a failed probe.</summary>
public sealed class OneDnnProbeProcessTests
{
    private static readonly TimeSpan Enough = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_last_line_the_child_prints_is_the_result()
    {
        var result = OneDnnProbeProcess.Run(
            ["/bin/sh", "-c", """echo 'libtorch says hello'; echo '{"casesChecked":82,"wrong":[{"case":"Plain 24->32 5x5 at 27x27","threads":2,"relativeError":0.5}]}'"""],
            Enough);

        result.CasesChecked.ShouldBe(82);
        result.Wrong.ShouldBe([new ProbeFinding("Plain 24->32 5x5 at 27x27", 2, 0.5)]);
    }

    [Fact]
    public void What_the_child_prints_for_a_result_reads_back_the_same()
    {
        var printed = new OneDnnProbeResult(82, [new ProbeFinding("AlexNet conv2 2x(48->128) 5x5 at 27x27", 1, double.MaxValue)]);

        var result = OneDnnProbeProcess.Run(["/bin/echo", OneDnnProbeProcess.Print(printed)], Enough);

        (result.CasesChecked, result.Wrong.Single()).ShouldBe((printed.CasesChecked, printed.Wrong[0]));
    }

    [Theory]
    [InlineData("exit 3", "exited with 3: oops")]
    [InlineData("echo 'no json here'", "printed no result")]
    [InlineData("true", "printed no result")]
    public void A_child_that_fails_or_prints_no_result_is_a_failed_probe(string script, string expected)
    {
        var failure = Should.Throw<OneDnnProbeFailedException>(() => OneDnnProbeProcess.Run(["/bin/sh", "-c", $"echo oops >&2; {script}"], Enough));

        failure.Message.ShouldContain(expected);
    }

    [Fact]
    public void A_child_that_cannot_start_is_a_failed_probe() =>
        Should.Throw<OneDnnProbeFailedException>(() => OneDnnProbeProcess.Run(["/nonexistent/host", "probe-onednn"], Enough)).Message.ShouldContain("did not start");

    [Fact]
    public void A_child_that_outlives_the_timeout_is_killed_and_is_a_failed_probe()
    {
        string marker = $"/tmp/onednn-probe-timeout-{Guid.NewGuid():N}";

        var failure = Should.Throw<OneDnnProbeFailedException>(() =>
            OneDnnProbeProcess.Run(["/bin/sh", "-c", $"sleep 2; touch {marker}"], TimeSpan.FromMilliseconds(300)));

        failure.Message.ShouldContain("did not finish in 0 s");
        Thread.Sleep(TimeSpan.FromSeconds(3));
        File.Exists(marker).ShouldBeFalse("the child was killed, so it never reached its last command");
    }
}
