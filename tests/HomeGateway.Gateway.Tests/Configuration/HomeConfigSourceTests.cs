using HomeGateway.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Tests.Configuration;

/// <summary>
/// Guards: a changed home file takes effect; a broken one — of any class, through any path (SIGHUP's Reload, the file
/// watcher's timer, a start) — is refused and the last good plan keeps running, and the gateway says the plan in force
/// is not the file on disk.
/// </summary>
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

    private readonly CapturingLoggerProvider logs = new();

    private HomeConfigSource Create(string? yaml = Valid)
    {
        if (yaml is not null)
        {
            File.WriteAllText(dir.File("home.yaml"), yaml);
        }

        return new HomeConfigSource(Options.Create(new GatewayOptions { HomeFile = dir.File("home.yaml"), DataDirectory = dir.Path }),
            TimeProvider.System, logs.CreateLogger<HomeConfigSource>());
    }

    [Theory]
    [MemberData(nameof(BadHomeFiles.Names), MemberType = typeof(BadHomeFiles))]
    public void Every_class_of_bad_file_is_refused_on_reload_the_plan_stays_and_the_gateway_says_the_file_is_not_in_force(string name)
    {
        var bad = BadHomeFiles.Classes[name];
        using var source = Create();
        var good = source.Current;
        var announced = false;
        source.Changed += _ => announced = true;

        File.WriteAllText(dir.File("home.yaml"), bad.Yaml);

        Assert.False(source.Reload());
        Assert.Same(good, source.Current);
        Assert.False(announced);
        Assert.NotNull(source.FileProblem);
        Assert.False(source.FileProblem.StartedFromLastGood);
        Assert.StartsWith($"{dir.File("home.yaml")}:{bad.Line}: {bad.Field}: ", source.FileProblem.First, StringComparison.Ordinal);
        var logged = Assert.Single(logs.WithEventId(2500));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, logged.Level);
        Assert.Contains($"home.yaml:{bad.Line}: {bad.Field}: ", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', logged.Message);

        // Corrected, the file is the plan in force again.
        File.WriteAllText(dir.File("home.yaml"), Valid);
        Assert.False(source.Reload());
        Assert.Null(source.FileProblem);
    }

    [Theory]
    [MemberData(nameof(BadHomeFiles.Names), MemberType = typeof(BadHomeFiles))]
    public async Task Saving_a_bad_file_of_any_class_is_refused_on_the_watchers_timer_without_ending_the_process(string name)
    {
        // The path that ended the service: an OverflowException escaped the reload timer's callback.
        using var source = Create();
        var good = source.Current;
        await source.StartAsync(CancellationToken.None);

        await File.WriteAllTextAsync(dir.File("home.yaml"), BadHomeFiles.Classes[name].Yaml);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (source.FileProblem is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.NotNull(source.FileProblem);
        Assert.Same(good, source.Current);
        await source.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Each_file_that_loads_is_copied_beside_the_journal_and_a_refused_one_is_not()
    {
        using var source = Create();
        var copy = dir.File(HomeConfigSource.LastGoodFileName);
        Assert.Equal(Valid, File.ReadAllText(copy));

        var changed = Valid.Replace("after: 10m", "after: 5m", StringComparison.Ordinal);
        File.WriteAllText(dir.File("home.yaml"), changed);
        Assert.True(source.Reload());
        Assert.Equal(changed, File.ReadAllText(copy));

        File.WriteAllText(dir.File("home.yaml"), BadHomeFiles.Classes["overflowing duration"].Yaml);
        Assert.False(source.Reload());
        Assert.Equal(changed, File.ReadAllText(copy));
    }

    [Theory]
    [MemberData(nameof(BadHomeFiles.Names), MemberType = typeof(BadHomeFiles))]
    public void A_start_with_a_bad_file_runs_the_last_good_copy_and_says_so_loudly(string name)
    {
        using (Create())
        {
            // The gateway ran once with a good file: the copy exists.
        }

        var bad = BadHomeFiles.Classes[name];
        using var restarted = Create(bad.Yaml);

        Assert.Equal(TimeSpan.FromMinutes(10), restarted.Current.Rules.DoorLeftOpen!.After);
        Assert.NotNull(restarted.FileProblem);
        Assert.True(restarted.FileProblem.StartedFromLastGood);
        Assert.StartsWith($"{dir.File("home.yaml")}:{bad.Line}: {bad.Field}: ", restarted.FileProblem.First, StringComparison.Ordinal);
        var logged = Assert.Single(logs.WithEventId(2501));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Critical, logged.Level);
        Assert.Contains("LAST GOOD CARE PLAN", logged.Message, StringComparison.Ordinal);

        // The technician corrects the file: the file is in force again.
        File.WriteAllText(dir.File("home.yaml"), Valid);
        restarted.Reload();
        Assert.Null(restarted.FileProblem);
    }

    [Fact]
    public void A_start_with_a_bad_file_and_no_copy_fails_with_file_line_field_problem()
    {
        var error = Assert.Throws<Core.Configuration.HomeConfigException>(() => Create(BadHomeFiles.Classes["overflowing duration"].Yaml));

        Assert.Equal($"{dir.File("home.yaml")}:5: rules.doorLeftOpen.after: ", Assert.Single(error.Problems).Format(dir.File("home.yaml"))[..^Assert.Single(error.Problems).Message.Length]);
        Assert.False(File.Exists(dir.File(HomeConfigSource.LastGoodFileName)));
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
