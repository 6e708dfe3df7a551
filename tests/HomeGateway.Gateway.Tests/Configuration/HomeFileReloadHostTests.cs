using System.Net;
using System.Net.Sockets;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Gateway.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Tests.Configuration;

/// <summary>
/// Guards, against the whole running gateway: a bad home file of any class, saved and re-read, leaves the service
/// running its last good plan (MQTT still listening, the rules unchanged), and its status file says the plan in force
/// is not the file on disk; a restart with the bad file runs the last good copy instead of switching the alarms off.
/// </summary>
public sealed class HomeFileReloadHostTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private IHost Build()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = dir.File("home.yaml"),
            ["Gateway:DataDirectory"] = dir.Path,
            ["Gateway:RuntimeDirectory"] = dir.Path,
            ["Gateway:Mqtt:Port"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:Gpio:Driver"] = "simulated",
        });
        builder.AddGateway();
        return builder.Build();
    }

    [Theory]
    [MemberData(nameof(BadHomeFiles.Names), MemberType = typeof(BadHomeFiles))]
    public async Task A_running_gateway_keeps_its_plan_through_a_bad_file_and_a_restart_with_it(string name)
    {
        var bad = BadHomeFiles.Classes[name];
        File.WriteAllText(dir.File("home.yaml"), BadHomeFiles.Valid);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using (var host = Build())
        {
            await host.StartAsync(timeout.Token);
            var source = host.Services.GetRequiredService<HomeConfigSource>();
            var good = source.Current;

            File.WriteAllText(dir.File("home.yaml"), bad.Yaml);
            Assert.False(source.Reload());

            Assert.Same(good, source.Current);
            await AssertListeningAsync(host, timeout.Token);
            var status = host.Services.GetRequiredService<StatusFileWriter>().Snapshot();
            Assert.NotNull(status.HomeFile);
            Assert.Equal("earlier-file", status.HomeFile.InForce);
            Assert.StartsWith($"{dir.File("home.yaml")}:{bad.Line}: {bad.Field}: ", status.HomeFile.Problems[0], StringComparison.Ordinal);
            await host.StopAsync(timeout.Token);
        }

        // systemd restarts the service (a reboot, an update) while the bad file is still there.
        using (var restarted = Build())
        {
            await restarted.StartAsync(timeout.Token);
            var source = restarted.Services.GetRequiredService<HomeConfigSource>();
            Assert.Equal(TimeSpan.FromMinutes(10), source.Current.Rules.DoorLeftOpen!.After);
            await AssertListeningAsync(restarted, timeout.Token);
            var status = restarted.Services.GetRequiredService<StatusFileWriter>().Snapshot();
            Assert.Equal("last-good-copy", status.HomeFile!.InForce);
            await restarted.StopAsync(timeout.Token);
        }
    }

    private static async Task AssertListeningAsync(IHost host, CancellationToken cancel)
    {
        using var probe = new TcpClient();
        await probe.ConnectAsync(IPAddress.Loopback, host.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.Mqtt.Port, cancel);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
