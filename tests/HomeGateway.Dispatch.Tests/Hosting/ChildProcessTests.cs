using System.Diagnostics;
using System.Text.RegularExpressions;

namespace HomeGateway.Dispatch.Tests.Hosting;

/// <summary>Invariant: started as a process on port 0, dispatch tells its parent where it listens, on stdout.</summary>
public sealed partial class ChildProcessTests
{
    [Fact]
    public async Task The_executable_prints_its_bound_addresses_and_serves()
    {
        using var data = new TempDirectory();
        var dll = Path.Combine(AppContext.BaseDirectory, "homegateway-dispatch.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, $"--Dispatch:DataDirectory={data.Path}", "--Dispatch:WebUrl=http://127.0.0.1:0", "--Dispatch:GrpcUrl=https://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => output.AppendLine(e.Data);
        process.BeginErrorReadLine();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            Match listening = Match.Empty;
            while (!listening.Success && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                output.AppendLine(line);
                listening = ListeningLine().Match(line);
            }

            Assert.True(listening.Success, "no 'Dispatch listening' line in:\n" + output);
            using var http = new HttpClient();
            Assert.Equal("ok", await http.GetStringAsync(new Uri(new Uri(listening.Groups["web"].Value), "/healthz"), timeout.Token));
            Assert.NotEqual(listening.Groups["web"].Value, listening.Groups["grpc"].Value);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"^Dispatch listening: web=(?<web>http://127\.0\.0\.1:\d+) grpc=(?<grpc>https://127\.0\.0\.1:\d+)$")]
    private static partial Regex ListeningLine();
}
