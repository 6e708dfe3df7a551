using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway doctor</c>: every check a technician needs before leaving the home, in plain words, each OK, WARN or
/// FAIL with what to do. Exit 0 when nothing failed (warnings alone pass), 1 when a check failed, 2 on misuse.
/// deploy/provision runs it last, so its name and exit codes are a contract.
/// </summary>
public static class DoctorCommand
{
    public static Command Create(TimeProvider? clock = null)
    {
        var config = new Option<FileInfo?>("--config") { Description = "The home file (YAML) to check (default: Gateway:HomeFile of the settings)" };
        var settings = new Option<FileInfo?>("--settings") { Description = "A settings file (appsettings.json format) to read besides appsettings.json beside the program and Gateway__* environment variables" };
        var data = new Option<DirectoryInfo?>("--data") { Description = "The service's data directory (default: Gateway:DataDirectory)" };
        var simulated = new Option<bool>("--simulated") { Description = "Skip the GPIO hardware checks (a machine without GPIO, or a demo with simulated pins)" };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON, for scripts" };
        var command = new Command("doctor", "Check this gateway: home file, GPIO, MQTT broker, dispatch link and certificate, clock, disk, journal, power. Exit 0 all passed (warnings allowed), 1 a check failed")
        {
            config, settings, data, simulated, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(settings) is { Exists: false } missing)
            {
                await error.WriteLineAsync($"{missing} does not exist").ConfigureAwait(false);
                return 2;
            }

            var options = LoadOptions(parse.GetValue(settings)?.FullName);
            if (parse.GetValue(config) is { } home)
            {
                options.HomeFile = home.FullName;
            }

            if (parse.GetValue(data) is { } dir)
            {
                options.DataDirectory = dir.FullName;
            }

            var asJson = parse.GetValue(json);
            var doctor = new GatewayDoctor(options, parse.GetValue(simulated), clock ?? TimeProvider.System, asJson ? error : output);
            var results = await doctor.RunAsync(cancel).ConfigureAwait(false);
            if (asJson)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(results, DoctorJsonContext.Default.IReadOnlyListDoctorResult)).ConfigureAwait(false);
            }
            else
            {
                await output.WriteLineAsync(Summary(results)).ConfigureAwait(false);
            }

            return results.Any(r => r.Level == DoctorLevel.Fail) ? 1 : 0;
        });
        return command;
    }

    internal static string Summary(IReadOnlyList<DoctorResult> results)
    {
        var failed = results.Count(r => r.Level == DoctorLevel.Fail);
        var warned = results.Count(r => r.Level == DoctorLevel.Warn);
        return failed > 0 ? $"doctor: {failed} check(s) FAILED, {warned} warning(s): fix the FAIL lines above before leaving"
            : warned > 0 ? $"doctor: all checks passed, {warned} warning(s) worth a look"
            : "doctor: all checks passed";
    }

    /// <summary>The settings the service would read: appsettings.json beside the program, then the file given, then Gateway__* variables.</summary>
    internal static GatewayOptions LoadOptions(string? settingsFile)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        if (settingsFile is not null)
        {
            builder.AddJsonFile(settingsFile, optional: false);
        }

        var configuration = builder.AddEnvironmentVariables().Build();
        var options = new GatewayOptions();
        configuration.GetSection(GatewayOptions.Section).Bind(options);
        return options;
    }
}

[JsonConverter(typeof(JsonStringEnumConverter<DoctorLevel>))]
public enum DoctorLevel
{
    Ok,
    Warn,
    Fail,
}

/// <summary>One check's verdict: <see cref="Fix"/> says what to do when it is not OK.</summary>
public sealed record DoctorResult(string Check, DoctorLevel Level, string Message, string? Fix = null);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(IReadOnlyList<DoctorResult>))]
internal sealed partial class DoctorJsonContext : JsonSerializerContext;
