using HomeGateway.Gateway.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Tests.Configuration;

/// <summary>Guards: a changed home file takes effect; a broken one is refused and the last good plan keeps running.</summary>
public sealed class HomeConfigSourceTests : IDisposable
{
    private const string Valid = """
        home: { id: a, timezone: Europe/Helsinki }
        sensors:
          - { id: front_door, kind: door, mqtt: { topic: z/front_door, profile: zigbee2mqtt } }
        rules:
          doorLeftOpen: { after: 10m }
        """;

    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private HomeConfigSource Create()
    {
        File.WriteAllText(dir.File("home.yaml"), Valid);
        return new HomeConfigSource(Options.Create(new GatewayOptions { HomeFile = dir.File("home.yaml"), DataDirectory = dir.Path }),
            TimeProvider.System, NullLogger<HomeConfigSource>.Instance);
    }

    [Fact]
    public void A_valid_change_becomes_current_and_is_announced()
    {
        using var source = Create();
        Core.Configuration.HomeConfig? announced = null;
        source.Changed += home => announced = home;

        File.WriteAllText(dir.File("home.yaml"), Valid.Replace("after: 10m", "after: 5m", StringComparison.Ordinal));

        Assert.True(source.Reload());
        Assert.Equal(TimeSpan.FromMinutes(5), source.Current.Rules.DoorLeftOpen!.After);
        Assert.Same(source.Current, announced);
    }

    [Fact]
    public void A_new_sensor_name_is_announced_and_sent_to_dispatch_as_the_new_profile()
    {
        using var source = Create();
        Core.Configuration.HomeConfig? announced = null;
        source.Changed += home => announced = home;

        File.WriteAllText(dir.File("home.yaml"), Valid.Replace("kind: door,", "kind: door, name: Ulko-ovi, location: Eteinen,", StringComparison.Ordinal));

        Assert.True(source.Reload());
        var profile = HomeGateway.Gateway.Uplink.HomeProfiles.From(announced!);
        Assert.Equal("Europe/Helsinki", profile.TimeZone);
        var sensor = Assert.Single(profile.Sensors);
        Assert.Equal(("front_door", HomeGateway.Contracts.V1.SensorKind.Door, "Ulko-ovi", "Eteinen"), (sensor.SensorId, sensor.Kind, sensor.Name, sensor.Location));
    }

    [Fact]
    public void A_broken_change_is_refused_and_the_last_good_plan_stays()
    {
        using var source = Create();
        var good = source.Current;
        var announced = false;
        source.Changed += _ => announced = true;

        File.WriteAllText(dir.File("home.yaml"), Valid.Replace("after: 10m", "after: soon", StringComparison.Ordinal));

        Assert.False(source.Reload());
        Assert.Same(good, source.Current);
        Assert.False(announced);
    }

    [Fact]
    public void An_unchanged_file_is_not_announced_again()
    {
        using var source = Create();
        var announced = false;
        source.Changed += _ => announced = true;
        File.WriteAllText(dir.File("home.yaml"), Valid);
        Assert.False(source.Reload());
        Assert.False(announced);
    }

    [Fact]
    public async Task Saving_the_file_triggers_a_reload_without_a_signal()
    {
        using var source = Create();
        var announced = new TaskCompletionSource<Core.Configuration.HomeConfig>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Changed += home => announced.TrySetResult(home);
        await source.StartAsync(CancellationToken.None);

        await File.WriteAllTextAsync(dir.File("home.yaml"), Valid.Replace("after: 10m", "after: 7m", StringComparison.Ordinal));

        var home = await announced.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromMinutes(7), home.Rules.DoorLeftOpen!.After);
        await source.StopAsync(CancellationToken.None);
    }
}
