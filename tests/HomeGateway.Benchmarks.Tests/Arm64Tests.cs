using HomeGateway.Benchmarks.Suite.Arm64;

namespace HomeGateway.Benchmarks.Tests;

/// <summary>The arm64 figures are relative: the memory read from /proc and the ratios' words must be right under them.</summary>
public class Arm64Tests
{
    // The shape of a real /proc/<pid>/status (tabs after the names, kB units), shortened.
    private const string Status = "Name:\tqemu-aarch64-st\nState:\tS (sleeping)\nPid:\t4242\nVmPeak:\t 3370812 kB\nVmSize:\t 3305276 kB\n"
        + "VmHWM:\t   91424 kB\nVmRSS:\t   88112 kB\nRssAnon:\t   61000 kB\nThreads:\t13\n";

    [Fact]
    public void Resident_memory_now_and_at_its_peak_are_read_from_proc_status_in_kilobytes()
    {
        var memory = ProcMemory.Parse(Status);

        Assert.Equal(88112L * 1024, memory.RssBytes);
        Assert.Equal(91424L * 1024, memory.PeakRssBytes);
        Assert.Equal(88112 / 1024.0, memory.RssMiB, 6);
    }

    [Fact]
    public void A_status_without_memory_lines_is_an_error_not_zero_memory()
    {
        // A kernel thread's status, or what is left of a process being reaped, has no Vm* lines.
        Assert.Throws<FormatException>(() => ProcMemory.Parse("Name:\tkworker/0:1\nState:\tI (idle)\nThreads:\t1\n"));
        Assert.Throws<FormatException>(() => ProcMemory.Parse("VmHWM:\t 91424 kB\n"));
    }

    [Fact]
    public void A_memory_line_in_another_unit_is_refused()
    {
        Assert.Throws<FormatException>(() => ProcMemory.Parse("VmHWM:\t 91424 kB\nVmRSS:\t 88 MB\n"));
    }

    [Theory]
    [InlineData(1234.0, 200.0, "6.17× native")]
    [InlineData(50.0, 200.0, "0.250× native")]
    [InlineData(4400.0, 200.0, "22.0× native")]
    public void A_ratio_is_said_with_three_significant_figures_and_what_it_is_relative_to(double value, double baseline, string expected)
    {
        Assert.Equal(expected, Relative.Describe(value, baseline, "native"));
    }

    [Fact]
    public void A_ratio_to_nothing_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Relative.Describe(10, 0, "native"));
    }

    [Fact]
    public void The_arm64_build_is_started_by_the_emulator_with_the_gateways_arguments_after_the_executable()
    {
        var arm = new DeviceBuild("arm64", "/publish/linux-arm64", "/publish/linux-arm64/homegateway", ["/usr/bin/qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"]);
        var host = new DeviceBuild("x64", "/publish/linux-x64", "/publish/linux-x64/homegateway", []);

        var (program, arguments) = arm.Command(["run"]);
        Assert.Equal("/usr/bin/qemu-aarch64-static", program);
        Assert.Equal(["-L", "/usr/aarch64-linux-gnu", "/publish/linux-arm64/homegateway", "run"], arguments);
        Assert.Equal("/publish/linux-x64/homegateway", host.Command(["--version"]).Program);
        Assert.Equal(["--version"], host.Command(["--version"]).Arguments);
    }

    [Theory]
    // The console logger's lines as the gateway writes them (the message on the line after the category).
    [InlineData("      Alert 2: raised help critical from help (help-help-20261206T163051579Z)", true)]
    [InlineData("      Alert 3: cleared help critical from help (help-help-20261206T163051579Z)", false)]
    [InlineData("      Alert 4: raised door_left_open warning from front_door (door-1)", false)]
    [InlineData("      Alert pipeline started: journal at seq 0, dispatch has through 0, rules have seen through 0", false)]
    [InlineData("      GPIO input: sensor 'help' on pin 27 (InputPullUp, active low, debounce 50 ms) starts pressed", false)]
    public void Only_the_raised_help_alert_counts_as_the_first_reaction(string line, bool counts)
    {
        Assert.Equal(counts, FirstAlertProbe.IsHelpAlert(line));
    }

    // qemu-user's mappings as /proc/<pid>/smaps lists them (shortened to the lines that matter): its malloc heap, its
    // translated-code cache (anonymous, rwx), the guest's executable (a file) and a guest anonymous mapping.
    private const string QemuSmaps = """
        55557f4d8000-55559171e000 rw-p 00000000 00:00 0                          [heap]
        Size:             298264 kB
        Rss:              297216 kB
        7f27e4000000-7f27ebfff000 rwxp 00000000 00:00 0 
        Size:             131068 kB
        Rss:               26624 kB
        5500a72000-550176f000 r--p 00a62000 fe:00 5350260                        /publish/linux-arm64/homegateway
        Size:              13300 kB
        Rss:                8628 kB
        55017f2000-5501f7a000 rw-p 00000000 00:00 0 
        Size:               7712 kB
        Rss:                7392 kB
        7ffd1c9e0000-7ffd1ca01000 rw-p 00000000 00:00 0                          [stack]
        Rss:                  36 kB
        """;

    [Fact]
    public void Qemus_own_memory_is_its_heap_and_its_code_cache_not_the_guests_mappings()
    {
        Assert.Equal((297216L + 26624) * 1024, QemuOwnMemory.Parse(QemuSmaps));
    }

    [Fact]
    public void An_empty_smaps_is_an_error_not_zero_overhead()
    {
        Assert.Throws<FormatException>(() => QemuOwnMemory.Parse(""));
    }
}
