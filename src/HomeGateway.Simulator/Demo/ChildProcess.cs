using System.Diagnostics;
using System.Runtime.InteropServices;

namespace HomeGateway.Simulator.Demo;

/// <summary>
/// One of the product's executables run as a child process, the way systemd would run it: its output goes
/// to a log file (and to an optional line watcher), and it is stopped with SIGTERM so it shuts down cleanly.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process process;
    private readonly StreamWriter log;
    private readonly Lock gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> watchers = [];

    // The last lines, so a process that dies at start can say why in the failure itself: the log file may be gone by the
    // time anyone reads it (tests delete their work directories).
    private readonly Queue<string> lastLines = new();
    private const int LastLineCount = 15;

    private ChildProcess(Process process, StreamWriter log)
    {
        this.process = process;
        this.log = log;
    }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public string Name { get; private init; } = "";

    /// <summary>The last lines it wrote (at most 15), oldest first.</summary>
    public string Tail
    {
        get
        {
            lock (gate)
            {
                return string.Join('\n', lastLines);
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="executable"/> (a .dll runs under the dotnet host) with <paramref name="args"/>, in
    /// <paramref name="workingDirectory"/> (null: this process's).
    /// </summary>
    public static ChildProcess Start(string name, string executable, IEnumerable<string> args, string logFile, string? workingDirectory = null)
    {
        var info = StartInfo(executable, args);
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
        var child = new ChildProcess(process, new StreamWriter(logFile, append: true) { AutoFlush = true }) { Name = name };
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {name} ({executable})");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a command to its end; returns its exit code, standard output and standard error.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(string executable, IEnumerable<string> args, CancellationToken cancellationToken) =>
        RunAsync(executable, args, null, cancellationToken);

    /// <summary>
    /// Runs a command to its end with <paramref name="standardInput"/> on its stdin (a secret goes there, never into the
    /// arguments: those are in <c>ps</c> for every user of the machine); returns its exit code, standard output and error.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string executable, IEnumerable<string> args, string? standardInput, CancellationToken cancellationToken)
    {
        var info = StartInfo(executable, args);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = standardInput is not null;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
        if (standardInput is not null)
        {
            await process.StandardInput.WriteLineAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    /// <summary>Completes with the first output line (past or future) that matches.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            // Past: the last lines kept (a line written before the caller asked still counts).
            if (lastLines.FirstOrDefault(match) is { } seen)
            {
                found.TrySetResult(seen);
            }
            else
            {
                watchers.Add((match, found));
            }
        }

        return found.Task.WaitAsync(timeout);
    }

    /// <summary>SIGTERM, then a kill if it has not ended within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (process.HasExited)
        {
            return;
        }

        _ = Kill(process.Id, SigTerm);
        try
        {
            await process.WaitForExitAsync().WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ends the process at once, as a power cut or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        process.Dispose();
        lock (gate)
        {
            log.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            log.WriteLine(line);
            if (lastLines.Count == LastLineCount)
            {
                lastLines.Dequeue();
            }

            lastLines.Enqueue(line);
            foreach (var watcher in watchers.Where(w => !w.Found.Task.IsCompleted && w.Match(line)).ToList())
            {
                watcher.Found.TrySetResult(line);
            }
        }
    }

    private static ProcessStartInfo StartInfo(string executable, IEnumerable<string> args)
    {
        var isDll = executable.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = new ProcessStartInfo(isDll ? DotnetHost() : executable) { UseShellExecute = false };
        if (isDll)
        {
            info.ArgumentList.Add(executable);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
