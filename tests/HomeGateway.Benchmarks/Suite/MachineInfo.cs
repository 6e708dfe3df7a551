using System.Globalization;
using System.Runtime.InteropServices;

namespace HomeGateway.Benchmarks.Suite;

/// <summary>The machine a run measured: figures mean little without it.</summary>
public sealed record MachineInfo(string Cpu, int Cores, double MemoryGiB, string Os, string Kernel, string Dotnet, string Architecture)
{
    public static MachineInfo Read()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memoryKb = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").Where(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
                .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).FirstOrDefault()
            : 0;
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "";
        return new MachineInfo(cpu ?? "unknown CPU", Environment.ProcessorCount, Math.Round(memoryKb / 1024.0 / 1024.0, 1),
            RuntimeInformation.OSDescription, kernel, RuntimeInformation.FrameworkDescription, RuntimeInformation.OSArchitecture.ToString());
    }

    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{Cores} cores ({Cpu}), {MemoryGiB} GiB, {Os} (kernel {Kernel}), {Dotnet}, {Architecture}");
}
