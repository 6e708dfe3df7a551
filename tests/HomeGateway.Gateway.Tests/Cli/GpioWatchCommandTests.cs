using System.CommandLine;
using System.Device.Gpio;
using System.Text;
using System.Text.RegularExpressions;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Cli;
using HomeGateway.Gateway.Gpio;
using HomeGateway.Gateway.Tests.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Cli;

/// <summary>
/// Guards `homegateway gpio watch`, end to end through the real command line on the simulated driver with pin files:
/// the start state of every pin, one line per debounced change, a pin the service holds reported plainly (exit 1),
/// misuse refused (exit 2).
/// </summary>
public sealed partial class GpioWatchCommandTests : IDisposable
{
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: front_door, kind: door, gpio: { pin: 17, activeLow: true, pull: up } }
          - { id: help, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up, debounceMs: 30 } }
          - { id: ups, kind: power, gpio: { pin: 4, activeLow: true, pull: up } }
          - { id: hall_motion, kind: motion, mqtt: { topic: z/hall_motion, profile: zigbee2mqtt } }
        rules:
          help: {}
        """;

    private readonly TempDirectory dir = new();

    public GpioWatchCommandTests() => File.WriteAllText(dir.File("home.yaml"), Home);

    public void Dispose() => dir.Dispose();

    private string Pins => dir.File("pins");

    [Fact]
    public async Task Prints_each_pins_start_state_then_one_line_per_debounced_change_until_stopped()
    {
        var output = new LineRecorder();
        var errors = new LineRecorder();
        using var stop = new CancellationTokenSource();
        var watching = Invoke(["gpio", "watch", "--home", dir.File("home.yaml"), "--driver", "simulated", "--pins-dir", Pins], output, errors, stop.Token);

        var starts = await output.WaitForAsync(lines => lines.Count(l => l.Contains(" start ", StringComparison.Ordinal)) == 3);
        Assert.Matches(StartOfDoor(), starts.Single(l => l.Contains("front_door", StringComparison.Ordinal)));
        Assert.EndsWith("start help kind=help_button pin=27 activeLow=true pull=up level=high state=released", starts.Single(l => l.Contains(" help ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith("start ups kind=power pin=4 activeLow=true pull=up level=high state=mains_restored", starts.Single(l => l.Contains(" ups ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("Watching 3 pin(s)", errors.Text, StringComparison.Ordinal);
        Assert.Contains("driver: simulated", errors.Text, StringComparison.Ordinal);

        // The technician opens the door, then pulls the UPS's mains plug.
        SimulatedPinFiles.Write(Pins, 17, PinValue.Low);
        var opened = await output.WaitForAsync(lines => lines.Any(l => l.Contains("change front_door", StringComparison.Ordinal)));
        SimulatedPinFiles.Write(Pins, 4, PinValue.Low);
        await output.WaitForAsync(lines => lines.Any(l => l.Contains("change ups", StringComparison.Ordinal)));

        await stop.CancelAsync(); // Ctrl-C
        Assert.Equal(0, await watching);
        var changes = output.Lines.Where(l => l.Contains(" change ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]).ToList();
        Assert.Equal(
        [
            "change front_door kind=door pin=17 activeLow=true pull=up level=low state=open via=edge",
            "change ups kind=power pin=4 activeLow=true pull=up level=low state=mains_lost via=edge",
        ], changes);
    }

    [Fact]
    public async Task A_pin_the_service_holds_is_reported_plainly_and_exits_1()
    {
        // The running service (simulated driver, same pin directory) holds the door's pin.
        using var service = new GpioController(new SimulatedGpioDriver(pinDirectory: Pins, timeProvider: new FakeTimeProvider()));
        service.OpenPin(17, PinMode.InputPullUp);
        var output = new LineRecorder();
        var errors = new LineRecorder();

        var exit = await Invoke(["gpio", "watch", "--home", dir.File("home.yaml"), "--driver", "simulated", "--pins-dir", Pins, "--for", "5"], output, errors);

        Assert.Equal(1, exit);
        Assert.Contains("pin 17 is in use — stop the service first: sudo systemctl stop homegateway", errors.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_the_kernel_reports_in_use_is_refused_before_any_driver_is_loaded()
    {
        var pi = Boards.Machine("Raspberry Pi 5 Model B Rev 1.0", Boards.Pi5, Boards.V2);
        pi.Consumers[(0, 27)] = "homegateway";
        var output = new LineRecorder();
        var errors = new LineRecorder();

        var exit = await GpioWatchCommand.RunAsync(new GpioWatchRequest(new FileInfo(dir.File("home.yaml")), []), output, errors, pi, TimeProvider.System, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Equal(
            ["pin 27 is in use — stop the service first: sudo systemctl stop homegateway", "(the kernel says 'homegateway' holds it)"],
            errors.Lines);
        Assert.Empty(output.Lines);
    }

    [Fact]
    public async Task A_machine_without_gpio_is_told_so_and_exits_1()
    {
        var errors = new LineRecorder();

        var exit = await GpioWatchCommand.RunAsync(new GpioWatchRequest(null, [17]), new LineRecorder(), errors, Boards.Machine(null, []), TimeProvider.System, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Contains("no GPIO chip", errors.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explicit_pins_are_watched_with_the_given_pull_and_polarity_for_the_given_time()
    {
        var output = new LineRecorder();
        var errors = new LineRecorder();

        var exit = await Invoke(["gpio", "watch", "--pin", "5", "--pin", "6", "--pull", "up", "--active-low", "--driver", "simulated", "--pins-dir", Pins, "--for", "0.3"], output, errors);

        Assert.True(exit == 0, errors.Text);
        Assert.Equal(
        [
            "start pin5 kind=- pin=5 activeLow=true pull=up level=high state=inactive",
            "start pin6 kind=- pin=6 activeLow=true pull=up level=high state=inactive",
        ], output.Lines.Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
    }

    [Theory]
    [InlineData("gpio watch", "--home FILE")]
    [InlineData("gpio watch --pin 30", "--pin 30 is not a BCM GPIO number")]
    [InlineData("gpio watch --pin 5 --pin 5", "--pin 5 is given twice")]
    [InlineData("gpio watch --pin 5 --pull sideways", "--pull 'sideways' is not one of: up, down, none")]
    [InlineData("gpio watch --pin 5 --driver wiringpi", "--driver 'wiringpi' is not one of: auto, libgpiod, libgpiodv2, sysfs, simulated")]
    [InlineData("gpio watch --pin 5 --pins-dir /tmp", "--pins-dir goes with --driver simulated")]
    [InlineData("gpio watch --pin 5 --driver simulated --for -1", "--for must be between")]
    public async Task Misuse_is_refused_with_exit_2(string args, string message)
    {
        var errors = new LineRecorder();

        var exit = await Invoke(args.Split(' '), new LineRecorder(), errors);

        Assert.Equal(2, exit);
        Assert.Contains(message, errors.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_a_home_file_and_pins_is_misuse()
    {
        var errors = new LineRecorder();
        Assert.Equal(2, await Invoke(["gpio", "watch", "--home", dir.File("home.yaml"), "--pin", "5"], new LineRecorder(), errors));
        Assert.Contains("not both", errors.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_home_file_or_one_without_gpio_sensors_exits_1_with_the_reason()
    {
        File.WriteAllText(dir.File("broken.yaml"), "home: { id: x, timezone: Europe/Helsinki }\nsensors:\n  - { id: d, kind: door, gpio: { pin: 99 } }\n");
        File.WriteAllText(dir.File("mqtt-only.yaml"), """
            home: { id: kotka-0042, timezone: Europe/Helsinki }
            sensors:
              - { id: hall_motion, kind: motion, mqtt: { topic: z/hall_motion, profile: zigbee2mqtt } }
            rules:
              inactivity: { after: 4h }
            """);
        var broken = new LineRecorder();
        var mqttOnly = new LineRecorder();

        Assert.Equal(1, await Invoke(["gpio", "watch", "--home", dir.File("broken.yaml"), "--driver", "simulated"], new LineRecorder(), broken));
        Assert.Equal(1, await Invoke(["gpio", "watch", "--home", dir.File("mqtt-only.yaml"), "--driver", "simulated"], new LineRecorder(), mqttOnly));

        Assert.Matches(@"broken\.yaml:\d+: ", broken.Text);
        Assert.Contains("no sensor uses GPIO", mqttOnly.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_shows_local_time_with_its_offset_and_how_a_change_was_seen()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 9, 30, 5, 120, TimeSpan.Zero));
        time.SetLocalTimeZone(TimeZoneInfo.FindSystemTimeZoneById("Europe/Helsinki"));
        var line = new ContactLine("bed_mat", SensorKind.Bed, new GpioInputConfig(22) { ActiveLow = true, Pull = GpioPull.Up });

        Assert.Equal(
            "2026-07-01T12:30:05.120+03:00 change bed_mat kind=bed pin=22 activeLow=true pull=up level=high state=empty via=reread",
            GpioWatchCommand.Format(new ContactChange(line, false, true, time.GetUtcNow(), ContactCause.Reread), time));
        Assert.EndsWith(
            "start bed_mat kind=bed pin=22 activeLow=true pull=up level=low state=occupied",
            GpioWatchCommand.Format(new ContactChange(line, true, false, time.GetUtcNow(), ContactCause.Start), time), StringComparison.Ordinal);
    }

    private static Task<int> Invoke(string[] args, TextWriter output, TextWriter errors, CancellationToken cancellationToken = default) =>
        GatewayCli.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = errors }, cancellationToken);

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d start front_door kind=door pin=17 activeLow=true pull=up level=high state=closed$")]
    private static partial Regex StartOfDoor();

    /// <summary>A thread-safe writer the test can read while the command writes.</summary>
    private sealed class LineRecorder : TextWriter
    {
        private readonly Lock gate = new();
        private readonly StringBuilder text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (gate)
                {
                    return text.ToString();
                }
            }
        }

        public List<string> Lines => [.. Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

        public override void Write(char value)
        {
            lock (gate)
            {
                text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (gate)
            {
                text.Append(value);
            }
        }

        public async Task<List<string>> WaitForAsync(Func<List<string>, bool> condition)
        {
            // Generous: the pin files are polled every 50 ms on a machine shared with other builds.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                var lines = Lines;
                if (condition(lines))
                {
                    return lines;
                }

                await Task.Delay(20);
            }

            throw new TimeoutException("the watch did not print the expected lines; it printed:\n" + Text);
        }
    }
}
