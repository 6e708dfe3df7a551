using System.Text.Json;
using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards every supported device against payloads shaped as the device really sends them (Fixtures/<profile>/*.json):
// each message goes through the real MqttSensorInput and must yield exactly the expected normalised events, or be
// refused with the expected reason and counted.
public class FixtureTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Mqtt", "Fixtures");

    private static List<string> FileNames =>
        Directory.EnumerateFiles(Root, "*.json", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Root, f)).Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> Files => new(FileNames);

    [Fact]
    public void Every_profile_has_fixtures_and_there_are_at_least_ten()
    {
        var files = FileNames;
        Assert.True(files.Count >= 10, $"{files.Count} fixture files");
        Assert.All(Core.Configuration.MqttProfiles.All, profile => Assert.Contains(files, f => f.StartsWith(profile + Path.DirectorySeparatorChar, StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Fixture_yields_its_expected_events(string file)
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Root, file)));
        var root = document.RootElement;
        var s = root.GetProperty("sensor");
        Assert.True(SensorKindNames.TryParse(s.GetProperty("kind").GetString()!, out var kind));
        var sensor = InputHarness.Sensor("device", kind, s.GetProperty("topic").GetString()!, s.GetProperty("profile").GetString()!,
            s.TryGetProperty("model", out var model) ? model.GetString() : null, s.TryGetProperty("key", out var key) ? key.GetString() : null);
        var harness = new InputHarness(sensor);

        var step = 0;
        foreach (var message in root.GetProperty("messages").EnumerateArray())
        {
            step++;
            var payload = message.GetProperty("payload");
            var text = payload.ValueKind == JsonValueKind.String ? payload.GetString()! : payload.GetRawText();
            var rejectedBefore = harness.Stats.RejectedMessages("device");
            var events = await harness.SendAsync(message.GetProperty("topic").GetString()!, text);

            if (message.TryGetProperty("rejected", out var reason))
            {
                Assert.Empty(events);
                Assert.Equal(rejectedBefore + 1, harness.Stats.RejectedMessages("device"));
                Assert.Contains(reason.GetString()!, harness.Stats.Snapshot("device")!.LastRejectionReason, StringComparison.Ordinal);
                continue;
            }

            var expected = message.GetProperty("expect").EnumerateArray().Select(Expected).ToList();
            var actual = events.Select(e => (SensorKindNames.ToName(e.Kind), e.State, e.Value, e.BatteryPercent, e.BatteryLow, e.LinkQuality, e.Detail)).ToList();
            Assert.True(expected.SequenceEqual(actual), $"{file} message {step}: expected [{string.Join("; ", expected)}], got [{string.Join("; ", actual)}]");
            Assert.Equal(rejectedBefore, harness.Stats.RejectedMessages("device"));
        }
    }

    private static (string, string, double?, int?, bool?, int?, string?) Expected(JsonElement e) => (
        e.GetProperty("kind").GetString()!,
        e.GetProperty("state").GetString()!,
        e.TryGetProperty("value", out var v) ? v.GetDouble() : null,
        e.TryGetProperty("batteryPercent", out var b) ? b.GetInt32() : null,
        e.TryGetProperty("batteryLow", out var l) ? l.GetBoolean() : null,
        e.TryGetProperty("linkQuality", out var q) ? q.GetInt32() : null,
        e.TryGetProperty("detail", out var d) ? d.GetString() : null);
}
