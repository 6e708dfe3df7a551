using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using System.Text.Json;
using HomeGateway.Contracts.Api;

namespace HomeGateway.Simulator.Demo;

/// <summary>Reads dispatch's server-sent alert stream, as an integration would.</summary>
public static class AlertStream
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public static async IAsyncEnumerable<AlertStepJson> ReadAsync(HttpClient client, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/alerts/stream", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        var eventName = "message";
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (eventName == "alert" && data.Count > 0 && JsonSerializer.Deserialize<AlertStepJson>(string.Join('\n', data), Json) is { } alert)
                {
                    yield return alert;
                }

                eventName = "message";
                data.Clear();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventName = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Add(line[5..].TrimStart());
            }
        }
    }
}
