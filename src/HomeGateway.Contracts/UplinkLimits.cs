using System.Globalization;
using System.Text;
using HomeGateway.Core.Text;
using CoreAlerts = HomeGateway.Core.Alerts;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Contracts.V1;

/// <summary>
/// The one contract of limits for every string on the uplink (uplink.proto says the same in its comments): the gateway
/// bounds what it journals with these, and dispatch checks what it receives with the same ones, so a record the gateway
/// journalled is never one dispatch refuses (a refused record would block the gateway's outbox behind it for good).
/// <para>
/// Two kinds of field. An <b>id</b> (alert, sensor, home) is matched by equality at both ends and comes back down the
/// stream in acknowledgements: it is taken whole or refused, never cut (two cut ids could become one), at most
/// <see cref="MaxIdLength"/> characters of <see cref="IsIdCharacter"/>. A <b>text</b> (summary, state, source, detail)
/// is read by people: printable Unicode — no control or format characters, no line separators, no lone surrogate — and
/// at most its field's length. A text out of bounds is <see cref="BoundText">cut and marked</see> rather than refused: a
/// fall whose summary is too long must still reach a dispatcher.
/// </para>
/// </summary>
public static class UplinkLimits
{
    /// <summary>alert_id, sensor_id, home_id: the gateway's own ids are far shorter (a home file id is at most 63).</summary>
    public const int MaxIdLength = 128;

    /// <summary>Hello.gateway_id: the gateway certificate's common name (ub-common-name, RFC 5280).</summary>
    public const int MaxGatewayIdLength = 64;

    /// <summary>AlertEvent.summary: one sentence for a dispatcher.</summary>
    public const int MaxSummaryLength = 500;

    /// <summary>SensorEvent.state: a word of the normalised vocabulary (open, suspected_fall, ...).</summary>
    public const int MaxStateLength = 64;

    /// <summary>SensorEvent.source: "gpio:17", "mqtt:" and a topic of the home file.</summary>
    public const int MaxSourceLength = 256;

    /// <summary>SensorEvent.detail: a short machine-readable detail ("code=jam").</summary>
    public const int MaxDetailLength = 200;

    /// <summary>Hello.software_version.</summary>
    public const int MaxSoftwareVersionLength = 64;

    /// <summary>AlertEvent.evidence_seqs: how many sensor events one step may name.</summary>
    public const int MaxEvidenceSeqs = 256;

    /// <summary>RecordBatch.records: how many journal records one message may carry (dispatch stores at most this many in one transaction).</summary>
    public const int MaxRecordsPerBatch = 256;

    /// <summary>AlertAcknowledged.by, AlertResolved.by and AlertResolved.outcome (dispatch to gateway).</summary>
    public const int MaxRoleLength = 64;

    /// <summary>Id characters: ASCII letters, digits and <c>. _ - :</c> — what the gateway's ids are made of.</summary>
    public static bool IsIdCharacter(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-' or ':';

    /// <summary>Why <paramref name="value"/> is not an id for <paramref name="field"/>, or null when it is one. Empty is a problem too.</summary>
    public static string? IdProblem(string field, string value, int maxLength = MaxIdLength)
    {
        if (value.Length == 0)
        {
            return $"{field} is empty";
        }

        if (value.Length > maxLength)
        {
            return $"{field}: {value.Length} characters, at most {maxLength}";
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (!IsIdCharacter(value[i]))
            {
                return $"{field}: character {i + 1} is U+{(int)value[i]:X4}; an id has only ASCII letters, digits and . _ - :";
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="value"/> is not a text for <paramref name="field"/>, or null when it is within bounds.</summary>
    public static string? TextProblem(string field, string value, int maxLength)
    {
        if (value.Length > maxLength)
        {
            return $"{field}: {value.Length} characters, at most {maxLength}";
        }

        var refused = FirstRefused(value);
        return refused < 0 ? null : $"{field}: character {refused + 1} is U+{(int)value[refused]:X4}, a control or format character";
    }

    /// <summary>
    /// The text within bounds: every refused character becomes a space (a newline inside a summary was meant as one),
    /// and a text still too long is cut at a character boundary and marked with its original length, so a reader sees
    /// that something was cut ("… [cut: 70000 characters]"). A text within bounds comes back as it is.
    /// </summary>
    public static string BoundText(string value, int maxLength)
    {
        if (value.Length <= maxLength && FirstRefused(value) < 0)
        {
            return value;
        }

        // Only what can be kept is looked at: a megabyte of text costs no more than the limit.
        var look = Math.Min(value.Length, maxLength + 1);
        var builder = new StringBuilder(look);
        for (var i = 0; i < look; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) && IsPrintable(char.ConvertToUtf32(c, value[i + 1])))
            {
                builder.Append(c).Append(value[++i]);
            }
            else
            {
                builder.Append(IsRefused(value, i) ? ' ' : c);
            }
        }

        if (value.Length <= maxLength)
        {
            return builder.ToString();
        }

        var mark = string.Create(CultureInfo.InvariantCulture, $"… [cut: {value.Length} characters]");
        var keep = Math.Max(0, maxLength - mark.Length);
        if (keep > 0 && keep < builder.Length && char.IsLowSurrogate(builder[keep]))
        {
            // Never cut between the two halves of a pair: a lone half is not text.
            keep--;
        }

        return builder.ToString(0, Math.Min(keep, builder.Length)).TrimEnd() + mark;
    }

    /// <summary>
    /// An id within bounds, for the gateway's own ids that somehow are not (a home file validated by an older version):
    /// refused characters become '_', and one too long is cut and given a hash of the whole, so two long ids stay two.
    /// The same id always gives the same result, so every step of one alert keeps one id.
    /// </summary>
    public static string BoundId(string value, int maxLength = MaxIdLength)
    {
        if (IdProblem("id", value, maxLength) is null)
        {
            return value;
        }

        if (value.Length == 0)
        {
            return "unknown";
        }

        var builder = new StringBuilder(Math.Min(value.Length, maxLength));
        foreach (var c in value.Length > maxLength ? value.AsSpan(0, maxLength) : value.AsSpan())
        {
            builder.Append(IsIdCharacter(c) ? c : '_');
        }

        if (value.Length <= maxLength)
        {
            return builder.ToString();
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(value)).AsSpan(0, 6));
        return builder.ToString(0, maxLength - hash.Length - 1) + "-" + hash;
    }

    /// <summary>The alert step within the contract's bounds: what the gateway journals and sends.</summary>
    public static CoreAlerts.AlertEvent Bound(CoreAlerts.AlertEvent alert)
    {
        var bounded = alert with
        {
            AlertId = BoundId(alert.AlertId),
            HomeId = BoundId(alert.HomeId),
            SensorId = BoundId(alert.SensorId),
            Summary = BoundText(alert.Summary, MaxSummaryLength),
            EvidenceSeqs = alert.EvidenceSeqs.Count > MaxEvidenceSeqs ? [.. alert.EvidenceSeqs.TakeLast(MaxEvidenceSeqs)] : alert.EvidenceSeqs,
        };
        return Same(alert, bounded) ? alert : bounded;
    }

    /// <summary>The sensor event within the contract's bounds: what the gateway journals and sends.</summary>
    public static CoreEvents.SensorEvent Bound(CoreEvents.SensorEvent e)
    {
        var state = BoundText(e.State, MaxStateLength);
        var bounded = e with
        {
            HomeId = BoundId(e.HomeId),
            SensorId = BoundId(e.SensorId),
            State = state.Length == 0 ? "unknown" : state,
            Source = BoundText(e.Source, MaxSourceLength),
            Detail = e.Detail is null ? null : BoundText(e.Detail, MaxDetailLength),
        };
        return bounded == e ? e : bounded;
    }

    private static bool Same(CoreAlerts.AlertEvent a, CoreAlerts.AlertEvent b) =>
        ReferenceEquals(a.AlertId, b.AlertId) && ReferenceEquals(a.HomeId, b.HomeId) && ReferenceEquals(a.SensorId, b.SensorId)
        && ReferenceEquals(a.Summary, b.Summary) && ReferenceEquals(a.EvidenceSeqs, b.EvidenceSeqs);

    /// <summary>Peer text for a status message or a log line: escaped and short.</summary>
    public static string Show(string value) => PeerText.Escape(value, 64);

    /// <summary>The index of the first refused character, or -1.</summary>
    private static int FirstRefused(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                if (!IsPrintable(char.ConvertToUtf32(value[i], value[i + 1])))
                {
                    return i;
                }

                i++;
            }
            else if (IsRefused(value, i))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsRefused(string value, int i)
    {
        var c = value[i];
        return char.IsSurrogate(c) || !IsPrintable(c);
    }

    private static bool IsPrintable(int codePoint)
    {
        if (codePoint is 0xFFFE or 0xFFFF)
        {
            return false;
        }

        var category = CharUnicodeInfo.GetUnicodeCategory(codePoint);
        return category is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse);
    }
}
