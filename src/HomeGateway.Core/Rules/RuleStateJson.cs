using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using HomeGateway.Core.Alerts;

namespace HomeGateway.Core.Rules;

/// <summary>
/// How rule state is written for restarts: plain JSON, enums as their frozen numbers. Source-generated, so the
/// NativeAOT gateway needs no reflection to save or restore it; a rule whose state type is not listed in
/// <see cref="RuleStateJsonContext"/> fails its first save in every build (tests included), not only on the device.
/// </summary>
public static class RuleStateJson
{
    public static JsonSerializerOptions Options => RuleStateJsonContext.Default.Options;

    internal static T? Read<T>(JsonElement state) => state.Deserialize(Info<T>());

    /// <summary>The state, after making sure the context can write its type (so an unlisted type fails here, by name).</summary>
    internal static object Known(object state)
    {
        _ = Options.GetTypeInfo(state.GetType());
        return state;
    }

    internal static JsonTypeInfo<T> Info<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
}

// The same shape the reflection serializer wrote before (property names as declared, enums as numbers), so a journal
// saved by an earlier build restores. Several rules name their state "State": each gets its own name here.
[JsonSourceGenerationOptions(JsonSerializerDefaults.General, IncludeFields = false, WriteIndented = false)]
[JsonSerializable(typeof(RulesEngine.EngineState), TypeInfoPropertyName = "EngineState")]
[JsonSerializable(typeof(RulesEngine.SavedEngineState), TypeInfoPropertyName = "SavedEngineState")]
[JsonSerializable(typeof(Dictionary<string, AlertEvent>), TypeInfoPropertyName = "OpenConditions")]
[JsonSerializable(typeof(Dictionary<string, LatchedAlert>), TypeInfoPropertyName = "LatchedAlerts")]
[JsonSerializable(typeof(Dictionary<string, BedNotReturnedRule.Bed>), TypeInfoPropertyName = "Beds")]
[JsonSerializable(typeof(DailyTestRule.State), TypeInfoPropertyName = "DailyTestState")]
[JsonSerializable(typeof(Dictionary<string, DoorLeftOpenRule.OpenDoor>), TypeInfoPropertyName = "OpenDoors")]
[JsonSerializable(typeof(Dictionary<string, DoorLeftOpenRule.SavedOpenDoor>), TypeInfoPropertyName = "SavedOpenDoors")]
[JsonSerializable(typeof(FallRule.State), TypeInfoPropertyName = "FallState")]
[JsonSerializable(typeof(InactivityRule.State), TypeInfoPropertyName = "InactivityState")]
[JsonSerializable(typeof(MissedDoseRule.State), TypeInfoPropertyName = "MissedDoseState")]
[JsonSerializable(typeof(NightExitRule.State), TypeInfoPropertyName = "NightExitState")]
[JsonSerializable(typeof(Dictionary<string, PowerFailureRule.Outage>), TypeInfoPropertyName = "Outages")]
[JsonSerializable(typeof(Dictionary<string, SensorOfflineRule.Supervised>), TypeInfoPropertyName = "SupervisedSensors")]
[JsonSerializable(typeof(Dictionary<string, TemperatureRule.OutOfRange>), TypeInfoPropertyName = "TemperaturesOutOfRange")]
internal sealed partial class RuleStateJsonContext : JsonSerializerContext;
