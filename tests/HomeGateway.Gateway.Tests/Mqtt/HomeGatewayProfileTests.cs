using System.Text;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards homegateway-profile.md: dispenser events and generic states, with the kind checks only the gateway can make.
public class HomeGatewayProfileTests
{
    private static PayloadReading Read(SensorKind kind, string json) =>
        new HomeGatewayProfile().Read(new SensorConfig("d", kind) { Mqtt = new("homegateway/h/d", MqttProfiles.HomeGateway) }, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Dispenser_event_becomes_the_state() =>
        Assert.Equal([new StateReading(SensorKind.Medication, "dose_taken")], Read(SensorKind.Medication, """{"event":"dose_taken","battery":80}""").States);

    [Fact]
    public void Generic_state_must_be_a_known_word()
    {
        Assert.Equal([new StateReading(SensorKind.Door, "open")], Read(SensorKind.Door, """{"state":"open"}""").States);
        Assert.NotNull(Read(SensorKind.Door, """{"state":"ajar"}""").Rejection);
        Assert.NotNull(Read(SensorKind.Medication, """{"event":"DROP TABLE"}""").Rejection);
    }

    [Fact]
    public void The_error_code_and_dose_details_travel_as_the_detail()
    {
        var error = Assert.Single(Read(SensorKind.Medication, """{"event":"dispenser_error","code":"jam","at":"2026-01-15T08:00:03+02:00"}""").States);
        Assert.Equal(("dispenser_error", "code=jam device_at=2026-01-15T08:00:03+02:00"), (error.State, error.Detail));
        var taken = Assert.Single(Read(SensorKind.Medication, """{"schema":1,"event":"dose_taken","status":"completed","dose_id":"morning","scheduled_at":"2026-01-15T08:00:00+02:00"}""").States);
        Assert.Equal("dose_id=morning scheduled_at=2026-01-15T08:00:00+02:00", taken.Detail);
    }

    [Theory]
    [InlineData(SensorKind.Door, """{"state":"detected"}""", "not one a door sensor reports")]
    [InlineData(SensorKind.Door, """{"event":"dose_taken"}""", "'event' is for a dispenser")]
    [InlineData(SensorKind.Medication, """{"state":"open"}""", "reports 'event', not 'state'")]
    [InlineData(SensorKind.Medication, """{"event":"dose_taken","dose":"x"}""", "unknown key 'dose'")]
    [InlineData(SensorKind.Medication, """{"schema":2,"event":"dose_taken"}""", "'schema' 2 is not a version")]
    [InlineData(SensorKind.Medication, """{"event":"dose_taken","status":"not-done"}""", "'status' 'not-done' does not fit")]
    [InlineData(SensorKind.Medication, """{"event":"dispenser_error"}""", "needs a 'code'")]
    [InlineData(SensorKind.Medication, """{"event":"dose_taken","event":"dose_missed"}""", "appears twice")]
    public void Refusals_name_the_problem(SensorKind kind, string json, string reason) =>
        Assert.Contains(reason, Read(kind, json).Rejection, StringComparison.Ordinal);

    [Fact]
    public void A_heartbeat_with_health_only_yields_no_state()
    {
        var reading = Read(SensorKind.Medication, """{"battery":55,"battery_low":false,"linkquality":200}""");
        Assert.Null(reading.Rejection);
        Assert.Empty(reading.States);
        Assert.Equal((55, false, 200), (reading.BatteryPercent, reading.BatteryLow, reading.LinkQuality));
    }
}
