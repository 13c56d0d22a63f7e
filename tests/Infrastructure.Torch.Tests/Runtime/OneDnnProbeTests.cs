using AlexNet.Experiments.Infrastructure.Torch.OneDnn;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Runtime;

/// <summary>The probe's own checks, run in this process under the cap it decided: where it capped, the cap makes the shapes right.</summary>
public sealed class OneDnnProbeTests
{
    [Fact]
    public void It_covers_the_known_faulty_shapes_and_the_papers_five_convolutions_on_one_and_two_threads_in_both_layouts()
    {
        var cases = OneDnnProbe.Cases();

        cases.Count.ShouldBe(164);
        cases.Count(c => c.Form.HasFlag(ProbeForm.ChannelsLast)).ShouldBe(82);
        cases.Select(c => c.Name).Distinct().Count().ShouldBe(82, "a case's name and threads tell it apart");
        cases.Select(c => c.Threads).Distinct().Order().ShouldBe([1, 2]);
        cases.ShouldContain(c => c.Form == ProbeForm.Plain && c.InputChannelsPerGroup == 24 && c.Size == 27);
        cases.ShouldContain(c => c.Form == ProbeForm.ChannelSlice && c.InputChannelsPerGroup == 72 && c.Size == 13);
        cases.ShouldContain(c => c.Form == (ProbeForm.Grouped | ProbeForm.ChannelsLast) && c.InputChannelsPerGroup == 24 && c.Size == 27);
        cases.Count(c => c.Form.HasFlag(ProbeForm.ForwardBackward)).ShouldBe(20);
    }

    [Fact]
    public void Under_the_cap_this_process_runs_with_every_case_is_right_and_a_wrong_result_is_reported_by_its_case()
    {
        var tampered = OneDnnProbe.Cases()[40];

        var result = OneDnnProbe.Run(tamper: (c, output) => c == tampered ? output + output.abs().max() * 0.01 : output);

        result.CasesChecked.ShouldBe(164);
        var wrong = result.Wrong.ShouldHaveSingleItem();
        (wrong.Case, wrong.Threads).ShouldBe((tampered.Name, tampered.Threads));
        wrong.RelativeError.ShouldBe(0.01, tolerance: 1e-4);
    }
}
