using System.Collections.Concurrent;
using System.Device.Gpio;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Gpio;
using Microsoft.Extensions.Logging.Abstractions;

namespace HomeGateway.Gateway.Tests.Gpio;

/// <summary>
/// On a real Raspberry Pi (3, 4, Zero 2 W or 5) with two jumper wires, output → input: BCM 5 → BCM 6 and BCM 13 → BCM 19
/// (physical pins 29 → 31 and 33 → 35). The chip is found by label, edges arrive through the real libgpiod driver,
/// the level at start is read, and a burst of toggles shorter than the debounce is one change. Wiring and how to run:
/// hardware/README.md, "Test rig". Excluded from `make test`; `make test-hardware` runs only these. Anywhere else
/// they fail (no GPIO chip), never skip.
/// </summary>
[Trait("Category", "Hardware")]
public sealed class RaspberryPiRigTests : IDisposable
{
    private const int DriveA = 5;
    private const int SenseA = 6;
    private const int DriveB = 13;
    private const int SenseB = 19;

    // Waits for the hardware, not a speed claim: edges take microseconds, these allow for a busy Pi.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    private readonly LinuxGpioHardware hardware = new();
    private readonly GpioChoice choice;
    private readonly GpioController controller;

    public RaspberryPiRigTests()
    {
        choice = GpioSelection.Choose("auto", "auto", hardware);
        controller = new GpioController(GpioSelection.CreateDriver(choice, null, TimeProvider.System));
        controller.OpenPin(DriveA, PinMode.Output, PinValue.Low);
        controller.OpenPin(DriveB, PinMode.Output, PinValue.Low);
    }

    public void Dispose() => controller.Dispose();

    [Fact]
    public void Chip_auto_selection_finds_the_header_chip()
    {
        Assert.StartsWith("Raspberry Pi", hardware.BoardModel, StringComparison.Ordinal);
        var header = Assert.Single(GpioSelection.HeaderChips, h => h.Label == choice.Chip!.Label);
        Assert.Equal(header.Lines, choice.Chip!.NumLines);
        Assert.Contains(hardware.ListChips(), c => c.Id == choice.Chip.Id);
        Assert.Contains(choice.Driver, new[] { GpioDriverKind.LibGpiodV1, GpioDriverKind.LibGpiodV2 });
    }

    [Fact]
    public void Edges_are_seen_on_the_real_driver()
    {
        controller.OpenPin(SenseA, PinMode.InputPullDown);
        var edges = new BlockingCollection<PinEventTypes>();
        controller.RegisterCallbackForPinValueChangedEvent(SenseA, PinEventTypes.Rising | PinEventTypes.Falling, (_, e) => edges.Add(e.ChangeType));
        try
        {
            controller.Write(DriveA, PinValue.High);
            Assert.True(edges.TryTake(out var rising, Patience), "no edge after driving the jumper high");
            Assert.Equal(PinEventTypes.Rising, rising);
            Assert.Equal(PinValue.High, controller.Read(SenseA));

            controller.Write(DriveA, PinValue.Low);
            Assert.True(edges.TryTake(out var falling, Patience), "no edge after driving the jumper low");
            Assert.Equal(PinEventTypes.Falling, falling);
        }
        finally
        {
            controller.ClosePin(SenseA);
        }
    }

    [Fact]
    public async Task Start_up_state_is_read()
    {
        var line = new ContactLine("rig_b", SensorKind.Door, new GpioInputConfig(SenseB) { Pull = GpioPull.Down });

        foreach (var level in new[] { PinValue.High, PinValue.Low })
        {
            controller.Write(DriveB, level);
            var contacts = new DebouncedContacts(controller, TimeProvider.System, NullLogger.Instance, _ => { });
            await using (contacts)
            {
                var start = contacts.Open(line);
                Assert.Equal((level == PinValue.High, ContactCause.Start), (start.High, start.Cause));
            }
        }
    }

    [Fact]
    public async Task Debounce_holds_through_a_burst_of_toggles()
    {
        var changes = new BlockingCollection<ContactChange>();
        var line = new ContactLine("rig_a", SensorKind.HelpButton, new GpioInputConfig(SenseA) { Pull = GpioPull.Down, Debounce = TimeSpan.FromMilliseconds(50) });
        var contacts = new DebouncedContacts(controller, TimeProvider.System, NullLogger.Instance, changes.Add);
        await using (contacts)
        {
            contacts.Open(line);
            Assert.True(changes.TryTake(out var start, Patience));
            Assert.False(start!.Active);

            // A contact bouncing: 21 level changes about a millisecond apart, far inside the 50 ms debounce, ending high.
            for (var i = 0; i < 21; i++)
            {
                controller.Write(DriveA, i % 2 == 0 ? PinValue.High : PinValue.Low);
                Thread.Sleep(1);
            }

            Assert.True(changes.TryTake(out var pressed, Patience), "the settled level was never reported");
            Assert.Equal((true, ContactCause.Edge), (pressed!.Active, pressed.Cause));
            // Past another debounce and a re-read: nothing else may follow.
            Assert.False(changes.TryTake(out var extra, DebouncedContacts.RereadInterval * 2), $"a second change: {extra}");

            controller.Write(DriveA, PinValue.Low);
            Assert.True(changes.TryTake(out var released, Patience));
            Assert.False(released!.Active);
        }
    }
}
