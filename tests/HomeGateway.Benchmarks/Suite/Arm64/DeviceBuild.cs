namespace HomeGateway.Benchmarks.Suite.Arm64;

/// <summary>
/// One NativeAOT publish of the gateway (<c>make publish-arm64</c>, <c>make publish-host</c>): the folder that is copied to
/// a device and the executable in it, and how to start that executable here (natively, or under qemu-user for arm64).
/// </summary>
public sealed record DeviceBuild(string Name, string Folder, string Executable, IReadOnlyList<string> Launcher)
{
    /// <summary>qemu-user's arm64 emulator and the arm64 C libraries it loads (tests/install-test-deps installs both).</summary>
    public const string Qemu = "qemu-aarch64-static";

    public const string Sysroot = "/usr/aarch64-linux-gnu";

    /// <summary>Every file of the folder (symbols and .pdb files are moved out by the Makefile: they never go to a device).</summary>
    public long FolderBytes => Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    public long ExecutableBytes => new FileInfo(Executable).Length;

    /// <summary>The program to run and the arguments before the gateway's own (the emulator and its options, or nothing).</summary>
    public (string Program, IReadOnlyList<string> Arguments) Command(IEnumerable<string> gatewayArguments) =>
        Launcher.Count == 0
            ? (Executable, [.. gatewayArguments])
            : (Launcher[0], [.. Launcher.Skip(1), Executable, .. gatewayArguments]);

    public static DeviceBuild Arm64(string repositoryRoot)
    {
        var folder = PublishFolder(repositoryRoot, "linux-arm64", "make publish-arm64");
        var qemu = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, Qemu)).FirstOrDefault(File.Exists);
        if (qemu is null || !Directory.Exists(Sysroot))
        {
            throw new InvalidOperationException(
                $"{Qemu} or {Sysroot} is missing: run tests/install-test-deps (qemu-user-static, libc6-arm64-cross, libstdc++6-arm64-cross)");
        }

        return new DeviceBuild("linux-arm64 NativeAOT, under qemu", folder, Path.Combine(folder, "homegateway"), [qemu, "-L", Sysroot]);
    }

    public static DeviceBuild Host(string repositoryRoot)
    {
        // linux-x64 here; make publish-host publishes for whatever this machine is.
        var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        var folder = PublishFolder(repositoryRoot, rid, "make publish-host");
        return new DeviceBuild($"{rid} NativeAOT, native", folder, Path.Combine(folder, "homegateway"), []);
    }

    private static string PublishFolder(string repositoryRoot, string rid, string make)
    {
        var folder = Path.Combine(repositoryRoot, "artifacts", "publish", rid);
        if (!File.Exists(Path.Combine(folder, "homegateway")))
        {
            // make bench publishes only the host build; the arm64 one is `make publish-arm64` (or `make test`).
            throw new InvalidOperationException($"artifacts/publish/{rid}/homegateway is missing: run `{make}` first");
        }

        return folder;
    }
}
