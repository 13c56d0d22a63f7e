using System.Runtime.InteropServices;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Runtime;

public sealed class OneDnnInstructionSetTests
{
    [Fact]
    public void The_started_runtime_caps_onednn_where_native_code_reads_it_at_avx2_unless_the_user_chose()
    {
        var cap = TorchRuntime.Start().OneDnn; // this assembly started it before any test (StartTorchRuntime)

        Marshal.PtrToStringUTF8(GetEnv(OneDnnInstructionSet.Variable)).ShouldBe(cap.MaxIsa);
        if (!cap.FromUser)
        {
            cap.MaxIsa.ShouldBe("AVX2");
        }
    }

    [Fact]
    public void Without_a_setting_of_the_users_every_machine_is_capped_at_avx2() =>
        OneDnnInstructionSet.Choose(null).ShouldBe(new OneDnnCap("AVX2", FromUser: false));

    [Theory]
    [InlineData("AVX512_CORE")]
    [InlineData("ALL")]
    [InlineData("")]
    public void A_setting_of_the_users_wins(string setting) =>
        OneDnnInstructionSet.Choose(setting).ShouldBe(new OneDnnCap(setting, FromUser: true));

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern nint GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
