using System.Text.Json;

namespace HomeGateway.Core.Rules;

/// <summary>How rule state is written for restarts: plain JSON, enums as their frozen numbers.</summary>
public static class RuleStateJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        IncludeFields = false,
        WriteIndented = false,
    };
}
