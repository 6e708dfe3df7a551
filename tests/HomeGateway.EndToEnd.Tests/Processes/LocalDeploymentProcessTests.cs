using System.Net;
using System.Net.Sockets;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.EndToEnd.Tests.Processes;

/// <summary>
/// Guards the process tests' own footing: a port chosen free can be taken by another test's process before dispatch binds
/// it. Dispatch is ready only once this very process says it listens (a health check alone could be answered by the other
/// process), and a start refused because an address is taken goes again on new ports, so the enrolment after it reaches it.
/// </summary>
public sealed class LocalDeploymentProcessTests
{
    [Fact]
    public async Task Dispatch_starts_on_new_ports_when_its_web_port_was_taken_after_it_was_chosen()
    {
        var work = Built.NewWorkDirectory("taken-port");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, homeYaml: null, (0, 0, 0), ct);
            var chosen = deployment.WebUrl;

            // Another process takes the web port first: it accepts connections and never answers.
            using var squatter = new TcpListener(IPAddress.Loopback, chosen.Port);
            squatter.Start();

            await deployment.StartDispatchAsync(ct);
            Assert.NotEqual(chosen.Port, deployment.WebUrl.Port);

            await deployment.EnrolGatewayAsync(ct);
            Assert.True(deployment.IsGatewayEnrolled, "the gateway holds its certificate from the dispatch that started on new ports");
        }
        finally
        {
            DemoProcessTests.TryDelete(work);
        }
    }
}
