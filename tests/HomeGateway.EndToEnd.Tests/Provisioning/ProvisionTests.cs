using System.Diagnostics;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Gateway.Uplink;

namespace HomeGateway.EndToEnd.Tests.Provisioning;

/// <summary>
/// Invariant: <c>deploy/provision</c> puts a gateway into service over real SSH — the build, the service user in the
/// gpio and i2c groups (each created where missing, with its udev rule, since the unit names both), the checked home file, the unit, an enrolment with a real dispatch, the service enabled — and a second
/// run changes nothing: no file rewritten, no system action repeated, every step saying "nothing changed".
/// A private sshd on loopback; <c>--root</c> keeps every remote path inside a temp directory and records the system
/// actions instead of doing them.
/// </summary>
public sealed class ProvisionTests : IAsyncLifetime
{
    private static readonly string[] FirstRunActions =
    [
        "groupadd --system gpio",
        "groupadd --system i2c",
        "useradd --system --user-group --home-dir /var/lib/homegateway --no-create-home --shell /usr/sbin/nologin homegateway",
        "usermod -aG gpio homegateway",
        "usermod -aG i2c homegateway",
        "chown root:homegateway {root}/etc/homegateway/home.yaml",
        "chown root:homegateway {root}/etc/homegateway/gateway.env",
        "chown root:root {root}/etc/systemd/system/homegateway.service",
        "chown -R homegateway:homegateway {root}/var/lib/homegateway",
        "systemctl daemon-reload",
        "systemctl enable --now homegateway",
    ];

    private readonly string work = Built.NewWorkDirectory("provision");
    private LoopbackSshd? sshd;
    private RunningDispatch? dispatch;

    private string Root => Path.Combine(work, "pi");

    private string DispatchData => Path.Combine(work, "dispatch");

    private static string HomeFile => Path.Combine(Built.RepoRoot, "deploy", "examples", "home.yaml");

    public async Task InitializeAsync()
    {
        sshd = await LoopbackSshd.StartAsync(Path.Combine(work, "ssh"));
        dispatch = await InProcess.InProcessDispatch.StartAsync(DispatchData);
    }

    public async Task DisposeAsync()
    {
        sshd?.Dispose();
        if (dispatch is not null)
        {
            await dispatch.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Processes.DemoProcessTests.TryDelete(work);
    }

    [Fact]
    public async Task Provisions_over_ssh_and_a_second_run_changes_nothing()
    {
        var code = await IssueCodeAsync();

        var first = await ProvisionAsync(code);

        Assert.True(first.Code == 0, first.Output);
        Assert.Contains("build:   copied the build", first.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Root, "opt", "homegateway", "homegateway")), first.Output);
        Assert.Equal(await File.ReadAllTextAsync(HomeFile), await File.ReadAllTextAsync(Path.Combine(Root, "etc", "homegateway", "home.yaml")));
        Assert.Equal($"Gateway__Dispatch__Url={DispatchUrl}\n", await File.ReadAllTextAsync(Path.Combine(Root, "etc", "homegateway", "gateway.env")));
        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(Built.RepoRoot, "deploy", "systemd", "homegateway.service")),
            await File.ReadAllTextAsync(Path.Combine(Root, "etc", "systemd", "system", "homegateway.service")));
        using (var credentials = DispatchCredentials.Load(Path.Combine(Root, "var", "lib", "homegateway")))
        {
            Assert.Equal("gw-provision", credentials.GatewayId);
        }

        Assert.Equal(FirstRunActions.Select(a => a.Replace("{root}", Root, StringComparison.Ordinal)), RecordedActions());
        Assert.Equal(
            "SUBSYSTEM==\"i2c-dev\", KERNEL==\"i2c-[0-9]*\", GROUP=\"i2c\", MODE=\"0660\"\n",
            await File.ReadAllTextAsync(Path.Combine(Root, "etc", "udev", "rules.d", "60-homegateway-i2c.rules")));
        Assert.Contains("added homegateway to the group i2c", first.Output, StringComparison.Ordinal);
        Assert.Contains("--- homegateway doctor", first.Output, StringComparison.Ordinal);

        var before = Snapshot();
        var second = await ProvisionAsync(code);

        Assert.True(second.Code == 0, second.Output);
        foreach (var step in new[] { "build", "user", "home", "settings", "unit", "enrol", "service" })
        {
            Assert.Matches($"(?m)^{step}: +nothing changed", second.Output);
        }

        Assert.Equal(before, Snapshot());
        Assert.Equal(FirstRunActions.Length, RecordedActions().Length);
    }

    [Fact]
    public async Task An_invalid_home_file_is_refused_before_anything_is_installed_from_it()
    {
        var broken = Path.Combine(work, "broken.yaml");
        Directory.CreateDirectory(work);
        await File.WriteAllTextAsync(broken, (await File.ReadAllTextAsync(HomeFile)).Replace("sensors:", "sensorz:", StringComparison.Ordinal));

        var run = await ProvisionAsync("hge1.unused.code", broken);

        Assert.NotEqual(0, run.Code);
        Assert.Contains("the home file is not valid", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Root, "etc", "homegateway", "home.yaml")));
        Assert.False(Directory.Exists(Path.Combine(Root, "var", "lib", "homegateway")));
    }

    [Fact]
    public async Task A_run_stopped_by_a_refused_code_is_finished_by_the_next_with_a_good_one()
    {
        var refused = await ProvisionAsync("hge1.not.issued");

        Assert.Equal(1, refused.Code);
        Assert.Contains("step 'enrol' failed", refused.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("systemctl enable --now homegateway", RecordedActions());

        var finished = await ProvisionAsync(await IssueCodeAsync());

        Assert.True(finished.Code == 0, finished.Output);
        Assert.Matches("(?m)^unit: +nothing changed", finished.Output);
        // The unit went in during the stopped run: the reload it is owed still happens.
        Assert.Equal(["systemctl daemon-reload", "systemctl enable --now homegateway"], RecordedActions()[^2..]);
    }

    private string DispatchUrl => dispatch!.GrpcUri.GetLeftPart(UriPartial.Authority);

    private string[] RecordedActions() => File.ReadAllLines(Path.Combine(Root, ".provision", "system-actions.log"));

    // Every file under the install root with its size and last write: a second run must leave all of them alone.
    private string[] Snapshot() =>
        [.. Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f):O}")];

    private Task<string> IssueCodeAsync() =>
        InProcess.InProcessDispatch.CliAsync("gateways", "enroll", "gw-provision", "--home", "home-provision", "--data", DispatchData);

    private async Task<(int Code, string Output)> ProvisionAsync(string code, string? homeFile = null)
    {
        // As a technician hands it over: in a private file, never on a command line (ps).
        var codeFile = Path.Combine(work, "enrolment-code");
        await File.WriteAllTextAsync(codeFile, code + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(codeFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Built.RepoRoot,
        };
        foreach (var arg in new[]
        {
            Path.Combine(Built.RepoRoot, "deploy", "provision"), $"{LoopbackSshd.User}@127.0.0.1",
            "--port", sshd!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--identity", sshd.ClientKey,
            "--root", Root, "--home", homeFile ?? HomeFile, "--dispatch", DispatchUrl, "--token-file", codeFile,
            "--build", Path.GetDirectoryName(Built.Binaries.Gateway)!,
        })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PROVISION_KNOWN_HOSTS"] = sshd.KnownHosts;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(guard.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
