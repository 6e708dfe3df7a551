using System.Text.Json;
using HomeGateway.Gateway.Cli;
using HomeGateway.Gateway.Status;
using HomeGateway.Gateway.Tests.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Cli;

/// <summary>Guards: doctor fails and status says so while the running service's care plan is not the home file on disk.</summary>
public sealed class DoctorHomeFileTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => dir.Dispose();

    [Theory]
    [InlineData("last-good-copy", "the last good copy of the care plan")]
    [InlineData("earlier-file", "an earlier care plan")]
    public async Task Doctor_fails_config_while_the_service_runs_a_plan_that_is_not_the_file(string inForce, string says)
    {
        File.WriteAllText(dir.File("home.yaml"), BadHomeFiles.Valid);
        var problem = $"{dir.File("home.yaml")}:5: rules.doorLeftOpen.after: '99999999999999m' is longer than 30 days";
        var status = new GatewayStatus
        {
            WrittenAt = clock.GetUtcNow(),
            StartedAt = clock.GetUtcNow().AddHours(-1),
            HomeId = "a",
            HomeFile = new HomeFileStatus { Path = dir.File("home.yaml"), InForce = inForce, Problems = [problem], RefusedAt = clock.GetUtcNow() },
        };
        File.WriteAllText(dir.File("status.json"), JsonSerializer.Serialize(status, StatusJsonContext.Default.GatewayStatus));
        using var output = new StringWriter();
        var options = new GatewayOptions { HomeFile = dir.File("home.yaml"), DataDirectory = dir.Path, RuntimeDirectory = dir.Path };
        options.Mqtt.Enabled = false;

        var results = await new GatewayDoctor(options, simulated: true, clock, output).RunAsync(CancellationToken.None);

        var config = Assert.Single(results, r => r is { Check: "config", Level: DoctorLevel.Fail });
        Assert.Contains(says, config.Message, StringComparison.Ordinal);
        Assert.Contains(problem, config.Message, StringComparison.Ordinal);
        Assert.Contains("systemctl kill -s HUP homegateway", config.Fix, StringComparison.Ordinal);

        var root = new System.CommandLine.RootCommand { StatusCommand.Create(clock) };
        using var statusOutput = new StringWriter();
        await root.Parse(["status", "--status", dir.File("status.json")]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = statusOutput, Error = TextWriter.Null });
        var careLine = Assert.Single(statusOutput.ToString().Split('\n'), l => l.StartsWith("care plan: ", StringComparison.Ordinal));
        Assert.Contains("not the home file: " + problem, careLine, StringComparison.Ordinal);
    }
}
