using System.Text;
using System.Text.Json;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using Json.Schema;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards that the published JSON Schema and the profile agree: every document one accepts the other accepts, every
// document one refuses the other refuses. The kind checks (a door may not say 'detected') are the profile's alone, so
// each document is read as a sensor of a kind it fits.
public class HomeGatewaySchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Mqtt", "homegateway-profile.schema.json")));

    public static TheoryData<SensorKind, string> Valid => new()
    {
        { SensorKind.Medication, """{"event":"dose_taken"}""" },
        { SensorKind.Medication, """{"schema":1,"event":"dose_due","dose_id":"2026-01-15.morning","scheduled_at":"2026-01-15T08:00:00+02:00"}""" },
        { SensorKind.Medication, """{"event":"dose_dispensed","status":"in-progress","at":"2026-01-15T08:00:02.125Z"}""" },
        { SensorKind.Medication, """{"event":"dose_taken","status":"completed","dose_id":"p7","battery":71}""" },
        { SensorKind.Medication, """{"event":"dose_missed","status":"not-done","scheduled_at":"2026-01-15T08:00:00Z"}""" },
        { SensorKind.Medication, """{"event":"dispenser_error","code":"jam"}""" },
        { SensorKind.Medication, """{"event":"refill_low","battery_low":true,"linkquality":180}""" },
        { SensorKind.Medication, """{"battery":100}""" },
        { SensorKind.Medication, "{}" },
        { SensorKind.Door, """{"state":"open","battery":88.5,"linkquality":0}""" },
        { SensorKind.Temperature, """{"state":"measured","value":-3.25}""" },
        { SensorKind.Power, """{"state":"mains_lost","at":"2026-01-15T03:00:00+02:00"}""" },
        { SensorKind.Visit, """{"state":"check_in"}""" },
        { SensorKind.Fall, """{"state":"suspected_fall","value":0.8}""" },
    };

    public static TheoryData<SensorKind, string> Invalid => new()
    {
        { SensorKind.Medication, """{"event":"dose_taken","colour":"red"}""" },
        { SensorKind.Medication, """{"event":"dose_eaten"}""" },
        { SensorKind.Medication, """{"event":"DOSE_TAKEN"}""" },
        { SensorKind.Medication, """{"event":7}""" },
        { SensorKind.Medication, """{"event":null}""" },
        { SensorKind.Medication, """{"schema":2,"event":"dose_taken"}""" },
        { SensorKind.Medication, """{"schema":"1"}""" },
        { SensorKind.Medication, """{"event":"dispenser_error"}""" },
        { SensorKind.Medication, """{"event":"dispenser_error","code":"Jam!"}""" },
        { SensorKind.Medication, """{"event":"dose_taken","code":"jam"}""" },
        { SensorKind.Medication, """{"event":"dose_taken","status":"in-progress"}""" },
        { SensorKind.Medication, """{"event":"dose_due","status":"completed"}""" },
        { SensorKind.Medication, """{"event":"refill_low","dose_id":"p1"}""" },
        { SensorKind.Medication, """{"status":"completed"}""" },
        { SensorKind.Medication, """{"event":"dose_due","scheduled_at":"2026-01-15 08:00"}""" },
        { SensorKind.Medication, """{"event":"dose_due","scheduled_at":"2026-01-15T08:00:00"}""" },
        { SensorKind.Medication, """{"event":"dose_due","dose_id":""}""" },
        { SensorKind.Medication, """{"battery":101}""" },
        { SensorKind.Medication, """{"battery":-1}""" },
        { SensorKind.Medication, """{"battery":"80"}""" },
        { SensorKind.Medication, """{"battery_low":"yes"}""" },
        { SensorKind.Medication, """{"linkquality":12.5}""" },
        { SensorKind.Medication, """{"linkquality":256}""" },
        { SensorKind.Door, """{"state":"ajar"}""" },
        { SensorKind.Door, """{"state":"open","event":"dose_taken"}""" },
        { SensorKind.Door, """{"state":"open","value":"1"}""" },
        { SensorKind.Temperature, """{"state":"measured"}""" },
        { SensorKind.Medication, """{"event":"dose_taken","value":1}""" },
        { SensorKind.Door, """{"State":"open"}""" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Valid_documents_pass_both(SensorKind kind, string json)
    {
        Assert.True(SchemaAccepts(json), $"schema refused {json}");
        Assert.Null(ProfileRefusal(kind, json));
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_documents_fail_both(SensorKind kind, string json)
    {
        Assert.False(SchemaAccepts(json), $"schema accepted {json}");
        Assert.False(string.IsNullOrWhiteSpace(ProfileRefusal(kind, json)), $"profile accepted {json}");
    }

    [Fact]
    public void The_schema_lists_exactly_the_profiles_state_words()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Mqtt", "homegateway-profile.schema.json")));
        var words = schema.RootElement.GetProperty("properties").GetProperty("state").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
        Assert.True(HomeGatewayProfile.GenericStates.SetEquals(words));
        Assert.All(schema.RootElement.GetProperty("properties").EnumerateObject(), p => Assert.True(p.Value.TryGetProperty("description", out _), p.Name));
    }

    private static bool SchemaAccepts(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Schema.Evaluate(document.RootElement, new EvaluationOptions { RequireFormatValidation = true }).IsValid;
    }

    private static string? ProfileRefusal(SensorKind kind, string json) =>
        new HomeGatewayProfile().Read(new SensorConfig("d", kind) { Mqtt = new("homegateway/h/d", MqttProfiles.HomeGateway) }, Encoding.UTF8.GetBytes(json)).Rejection;
}
