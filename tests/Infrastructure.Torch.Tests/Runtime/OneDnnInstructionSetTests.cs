using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Runtime;

public sealed class OneDnnInstructionSetTests
{
    [Fact]
    public void Loading_the_adapter_caps_onednn_at_avx2_where_native_code_reads_it()
    {
        RuntimeHelpers.RunModuleConstructor(typeof(OneDnnInstructionSet).Module.ModuleHandle);

        Marshal.PtrToStringUTF8(GetEnv(OneDnnInstructionSet.Variable)).ShouldBe("AVX2");
    }

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern nint GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
