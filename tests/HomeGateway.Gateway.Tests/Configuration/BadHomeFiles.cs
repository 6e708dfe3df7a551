namespace HomeGateway.Gateway.Tests.Configuration;

/// <summary>
/// One valid home file and the classes of damage that used to crash `config validate` or end the running service
/// (issue 16), each with the field and line its refusal must name. Shared by the loader, reload, host and CLI tests.
/// </summary>
internal static class BadHomeFiles
{
    public const string Valid = """
        home: { id: a, timezone: Europe/Helsinki }
        sensors:
          - { id: front_door, kind: door, mqtt: { topic: z/front_door, profile: zigbee2mqtt } }
        rules:
          doorLeftOpen: { after: 10m }
        """;

    /// <summary>What a technician (or a fuzzer) saved, and what the refusal must say: field, line, a piece of the message.</summary>
    public sealed record BadFile(string Yaml, string Field, int Line, string Says);

    public static readonly IReadOnlyDictionary<string, BadFile> Classes = new Dictionary<string, BadFile>
    {
        ["overflowing duration"] = new(Valid.Replace("after: 10m", "after: 99999999999999m", StringComparison.Ordinal),
            "rules.doorLeftOpen.after", 5, "longer than 30 days"),
        ["arabic-indic digits"] = new(Valid.Replace("after: 10m", "after: ١٠m", StringComparison.Ordinal),
            "rules.doorLeftOpen.after", 5, "use ASCII digits 0-9"),
        ["full-width digits"] = new(Valid.Replace("after: 10m", "after: １０m", StringComparison.Ordinal),
            "rules.doorLeftOpen.after", 5, "use ASCII digits 0-9"),
        ["a time zone that names a folder"] = new(Valid.Replace("Europe/Helsinki", "Europe", StringComparison.Ordinal),
            "home.timezone", 1, "not a time zone"),
        ["a time zone that is a path"] = new(Valid.Replace("Europe/Helsinki", "../../etc/passwd", StringComparison.Ordinal),
            "home.timezone", 1, "not an IANA time zone"),
        ["YAML nested 40,000 deep"] = new(Valid + "\nextra: " + new string('[', 40_000) + new string(']', 40_000) + "\n",
            "(yaml)", 6, "more than 20 deep"),
        ["YAML nested 40,000 deep in block style"] = new(Valid + "\nextra:\n" + string.Concat(Enumerable.Repeat("- ", 40_000)) + "x\n",
            "(yaml)", 7, "more than 20 deep"),
        ["a file over 256 KiB"] = new(Valid + "\n" + string.Concat(Enumerable.Repeat("# a very long comment line, again and again\n", 7_000)),
            "(file)", 1, "at most 256 KiB"),
        ["an alias"] = new(Valid.Replace("{ after: 10m }", "{ after: &t 10m }\n  help: { repeatWindow: *t }", StringComparison.Ordinal),
            "(yaml)", 6, "alias *t"),
        ["a rule timer over a week"] = new(Valid.Replace("after: 10m", "after: 200h", StringComparison.Ordinal),
            "rules.doorLeftOpen.after", 5, "at most 7 days"),
    };

    public static TheoryData<string> Names() => [.. Classes.Keys];
}
