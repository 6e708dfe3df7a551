using System.Text.Json;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>Typed reads of one key of a device's JSON object; a JSON null counts as absent (Zigbee2MQTT sends nulls before a first report).</summary>
internal static class JsonPayload
{
    public static bool TryParseObject(ReadOnlyMemory<byte> payload, out JsonDocument? document, out string? problem)
    {
        document = null;
        problem = null;
        // The JSON reader checks UTF-8 only where it must; bytes that are not text must never reach a log or the journal.
        if (!System.Text.Unicode.Utf8.IsValid(payload.Span))
        {
            problem = "payload is not UTF-8 text";
            return false;
        }

        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            // Invalid UTF-8 and nesting beyond MaxDepth land here too: a device never needs either.
            problem = $"malformed JSON ({Shorten(e.Message, 120)})";
            return false;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            problem = $"payload is a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object";
            document.Dispose();
            document = null;
            return false;
        }

        return true;
    }

    /// <summary>False only when the key is there with the wrong type; <paramref name="value"/> is null when absent.</summary>
    public static bool TryBool(JsonElement obj, string key, out bool? value, out string? problem)
    {
        value = null;
        problem = null;
        if (!obj.TryGetProperty(key, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = element.GetBoolean();
            return true;
        }

        problem = $"'{key}' must be true or false, got a {Describe(element)}";
        return false;
    }

    public static bool TryString(JsonElement obj, string key, out string? value, out string? problem)
    {
        value = null;
        problem = null;
        if (!obj.TryGetProperty(key, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            var text = element.GetString();
            value = string.IsNullOrEmpty(text) ? null : text;
            return true;
        }

        problem = $"'{key}' must be a string, got a {Describe(element)}";
        return false;
    }

    public static bool TryNumber(JsonElement obj, string key, out double? value, out string? problem)
    {
        value = null;
        problem = null;
        if (!obj.TryGetProperty(key, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var number) && double.IsFinite(number))
        {
            value = number;
            return true;
        }

        problem = $"'{key}' must be a number, got a {Describe(element)}";
        return false;
    }

    /// <summary>
    /// Battery 0–100 %, link quality 0–255, <c>battery_low</c> and <c>voltage</c> (mV, 0–100 000), when present and sane.
    /// Out-of-range or mistyped values are dropped, not refused: they must never cost the door or fall state that came
    /// in the same message.
    /// </summary>
    public static (int? Battery, int? LinkQuality, bool? BatteryLow, int? Voltage) ReadHealth(JsonElement obj)
    {
        int? battery = TryNumber(obj, "battery", out var b, out _) && b is >= 0 and <= 100 ? (int)Math.Round(b.Value) : null;
        int? link = TryNumber(obj, "linkquality", out var l, out _) && l is >= 0 and <= 255 ? (int)Math.Round(l.Value) : null;
        bool? low = TryBool(obj, "battery_low", out var lowFlag, out _) ? lowFlag : null;
        int? voltage = TryNumber(obj, "voltage", out var v, out _) && v is >= 0 and <= 100_000 ? (int)Math.Round(v.Value) : null;
        return (battery, link, low, voltage);
    }

    /// <summary>The element at a dotted path (<c>DS18B20.Temperature</c>); false when any level is missing or not an object.</summary>
    public static bool TryGetPath(JsonElement obj, string dottedPath, out JsonElement element)
    {
        element = obj;
        foreach (var segment in dottedPath.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(segment, out element))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A device's text for a log line: at most <paramref name="max"/> characters, control characters replaced.</summary>
    public static string Shorten(string text, int max = 40)
    {
        var cut = text.Length <= max ? text : text[..max] + "…";
        return string.Create(cut.Length, cut, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => element.ValueKind.ToString().ToLowerInvariant(),
    };
}
