using System.CommandLine;
using System.Device.Gpio;
using System.Globalization;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Gateway.Gpio;
using Microsoft.Extensions.Logging.Abstractions;

namespace HomeGateway.Gateway.Cli;

/// <summary>What <c>homegateway gpio watch</c> was asked to do.</summary>
internal sealed record GpioWatchRequest(
    FileInfo? Home,
    IReadOnlyList<int> Pins,
    string Pull = "none",
    bool ActiveLow = false,
    int DebounceMs = 50,
    string Driver = GpioSelection.Auto,
    string Chip = GpioSelection.Auto,
    DirectoryInfo? PinsDirectory = null,
    double? ForSeconds = null);

/// <summary>
/// <c>homegateway gpio watch</c>: a wiring check. Opens the home file's GPIO sensors (or <c>--pin</c>s) as inputs with
/// the service's driver choice and debounce, prints each pin's state at start and then one line per debounced change,
/// until Ctrl-C or <c>--for</c>. Lines on stdout are <c>TIME start|change ID key=value…</c>; explanations go to stderr.
/// Exit 0 done, 1 the GPIO set-up is wrong (a pin in use, no GPIO, libgpiod missing, a bad home file), 2 misuse.
/// </summary>
internal static class GpioWatchCommand
{
    public const string BusyAdvice = "stop the service first: sudo systemctl stop homegateway";

    public static Command Create()
    {
        var home = new Option<FileInfo?>("--home") { Description = "Watch every GPIO sensor of this home file (YAML)" };
        var pins = new Option<int[]>("--pin") { Description = "Watch this BCM GPIO pin (0–27); repeat for more pins", AllowMultipleArgumentsPerToken = false };
        var pull = new Option<string>("--pull") { Description = "With --pin: the pull resistor, up, down or none", DefaultValueFactory = _ => "none" };
        var activeLow = new Option<bool>("--active-low") { Description = "With --pin: low means active (a contact to GND with a pull-up)" };
        var debounce = new Option<int>("--debounce-ms") { Description = "With --pin: debounce time in ms", DefaultValueFactory = _ => 50 };
        var driver = new Option<string>("--driver") { Description = "GPIO driver as in Gateway:Gpio:Driver: auto, libgpiod, libgpiodv2, sysfs or simulated", DefaultValueFactory = _ => GpioSelection.Auto };
        var chip = new Option<string>("--chip") { Description = "GPIO chip label as in Gateway:Gpio:Chip, e.g. pinctrl-rp1", DefaultValueFactory = _ => GpioSelection.Auto };
        var pinsDir = new Option<DirectoryInfo?>("--pins-dir") { Description = "With --driver simulated: the pin-file directory (Gateway:Gpio:SimulatedPinDirectory)" };
        var forSeconds = new Option<double?>("--for") { Description = "Stop after this many seconds (default: until Ctrl-C)" };
        var watch = new Command("watch", "Show each pin's level and meaning live, for checking wiring. Stop the service first: it holds the pins.")
        {
            home, pins, pull, activeLow, debounce, driver, chip, pinsDir, forSeconds,
        };
        watch.SetAction((parse, cancel) => RunAsync(
            new GpioWatchRequest(parse.GetValue(home), parse.GetValue(pins) ?? [], parse.GetValue(pull)!, parse.GetValue(activeLow),
                parse.GetValue(debounce), parse.GetValue(driver)!, parse.GetValue(chip)!, parse.GetValue(pinsDir), parse.GetValue(forSeconds)),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, new LinuxGpioHardware(), TimeProvider.System, cancel));

        return new Command("gpio", "Wired sensors on the GPIO header") { watch };
    }

    internal static async Task<int> RunAsync(GpioWatchRequest request, TextWriter output, TextWriter errors, IGpioHardware hardware, TimeProvider time, CancellationToken cancellationToken)
    {
        var (lines, problem, exit) = Lines(request);
        if (lines is null)
        {
            await errors.WriteLineAsync(problem).ConfigureAwait(false);
            return exit;
        }

        if (!GpioSelection.IsDriverName(request.Driver))
        {
            await errors.WriteLineAsync($"--driver '{request.Driver}' is not one of: {string.Join(", ", GpioSelection.DriverNames)}").ConfigureAwait(false);
            return 2;
        }

        if (request.PinsDirectory is not null && request.Driver != "simulated")
        {
            await errors.WriteLineAsync("--pins-dir goes with --driver simulated").ConfigureAwait(false);
            return 2;
        }

        if (request.ForSeconds is <= 0 or > 86_400)
        {
            await errors.WriteLineAsync("--for must be between 0 and 86400 seconds").ConfigureAwait(false);
            return 2;
        }

        GpioChoice choice;
        try
        {
            choice = GpioSelection.Choose(request.Driver, request.Chip, hardware);
            if (choice.Chip is { } chip)
            {
                // Ask the kernel first: a plain "in use" beats whatever error the library would give.
                foreach (var line in lines)
                {
                    if (hardware.LineConsumer(chip, line.Gpio.Pin) is { } consumer)
                    {
                        throw new GpioLineBusyException(line.Gpio.Pin, consumer);
                    }
                }
            }
        }
        catch (GpioLineBusyException busy)
        {
            await Busy(errors, busy).ConfigureAwait(false);
            return 1;
        }
        catch (Exception ex) when (ex is GpioSetupException or IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 1;
        }

        GpioController controller;
        try
        {
            controller = new GpioController(GpioSelection.CreateDriver(choice, request.PinsDirectory?.FullName, time));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException or DllNotFoundException)
        {
            await errors.WriteLineAsync($"the {choice.DriverName} driver cannot be started: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        using (controller)
        {
            var gate = new Lock();
            void Print(ContactChange change)
            {
                lock (gate)
                {
                    output.WriteLine(Format(change, time));
                    output.Flush();
                }
            }

            var contacts = new DebouncedContacts(controller, time, NullLogger.Instance, Print);
            await using (contacts.ConfigureAwait(false))
            {
                await errors.WriteLineAsync(
                    $"Watching {lines.Count} pin(s). Board: {choice.BoardModel ?? "unknown"}; chip: {choice.ChipDescription}; driver: {choice.DriverName}. "
                    + (request.ForSeconds is { } s ? string.Create(CultureInfo.InvariantCulture, $"Stopping after {s} s.") : "Ctrl-C to stop.")).ConfigureAwait(false);
                foreach (var line in lines)
                {
                    try
                    {
                        contacts.Open(line);
                    }
                    catch (GpioLineBusyException busy)
                    {
                        await Busy(errors, busy).ConfigureAwait(false);
                        return 1;
                    }
                    catch (GpioSetupException ex)
                    {
                        await errors.WriteLineAsync(ex.Message).ConfigureAwait(false);
                        return 1;
                    }
                    catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
                    {
                        await errors.WriteLineAsync($"pin {line.Gpio.Pin} ('{line.Id}') cannot be opened: {ex.Message}").ConfigureAwait(false);
                        return 1;
                    }
                }

                try
                {
                    await Task.Delay(request.ForSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl-C: a normal end of watching.
                }
            }
        }

        return 0;
    }

    /// <summary>One line: <c>2026-11-25T14:30:05.120+02:00 change front_door kind=door pin=17 activeLow=true pull=up level=low state=open via=edge</c>.</summary>
    internal static string Format(ContactChange change, TimeProvider time)
    {
        var at = TimeZoneInfo.ConvertTime(change.At, time.LocalTimeZone);
        var gpio = change.Line.Gpio;
        var kind = change.Line.Kind is { } k ? SensorKindNames.ToName(k) : "-";
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{at:yyyy-MM-dd'T'HH:mm:ss.fffzzz} {(change.Cause == ContactCause.Start ? "start" : "change")} {change.Line.Id} kind={kind} pin={gpio.Pin} "
            + $"activeLow={(gpio.ActiveLow ? "true" : "false")} pull={PullName(gpio.Pull)} level={(change.High ? "high" : "low")} state={change.Line.Meaning(change.Active)}");
        return change.Cause switch
        {
            ContactCause.Edge => text + " via=edge",
            ContactCause.Reread => text + " via=reread",
            _ => text,
        };
    }

    private static (List<ContactLine>? Lines, string Problem, int Exit) Lines(GpioWatchRequest request)
    {
        if ((request.Home is null) == (request.Pins.Count == 0))
        {
            return (null, "Say what to watch: --home FILE (every GPIO sensor in it) or one or more --pin N, not both.", 2);
        }

        if (request.Home is { } file)
        {
            HomeConfig home;
            try
            {
                home = HomeConfigLoader.Load(file.FullName);
            }
            catch (HomeConfigException ex)
            {
                return (null, string.Join(Environment.NewLine, ex.Problems.Select(p => p.Format(file.ToString()))), 1);
            }

            var fromHome = home.Sensors.Where(s => s.Gpio is not null).Select(s => new ContactLine(s.Id, s.Kind, s.Gpio!)).ToList();
            return fromHome.Count == 0 ? (null, $"{file}: no sensor uses GPIO; nothing to watch", 1) : (fromHome, "", 0);
        }

        GpioPull pull;
        switch (request.Pull)
        {
            case "up": pull = GpioPull.Up; break;
            case "down": pull = GpioPull.Down; break;
            case "none": pull = GpioPull.None; break;
            default: return (null, $"--pull '{request.Pull}' is not one of: up, down, none", 2);
        }

        if (request.Pins.Where(p => p is < 0 or > 27).Select(p => (int?)p).FirstOrDefault() is { } bad)
        {
            return (null, $"--pin {bad} is not a BCM GPIO number on the header (0–27)", 2);
        }

        if (request.Pins.GroupBy(p => p).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return (null, $"--pin {twice.Key} is given twice", 2);
        }

        if (request.DebounceMs is < 0 or > 10_000)
        {
            return (null, "--debounce-ms must be between 0 and 10000", 2);
        }

        var explicitLines = request.Pins
            .Select(p => new ContactLine(string.Create(CultureInfo.InvariantCulture, $"pin{p}"), null,
                new GpioInputConfig(p) { ActiveLow = request.ActiveLow, Pull = pull, Debounce = TimeSpan.FromMilliseconds(request.DebounceMs) }))
            .ToList();
        return (explicitLines, "", 0);
    }

    private static string PullName(GpioPull pull) => pull switch
    {
        GpioPull.Up => "up",
        GpioPull.Down => "down",
        _ => "none",
    };

    private static Task Busy(TextWriter errors, GpioLineBusyException busy) =>
        errors.WriteLineAsync($"pin {busy.Pin} is in use — {BusyAdvice}"
            + (string.IsNullOrEmpty(busy.Consumer) ? "" : $"{Environment.NewLine}(the kernel says '{busy.Consumer}' holds it)"));
}
