using System.Runtime.CompilerServices;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// The frame of a console browser test: the class's one Chromium, and for each test a fresh dispatch + gateway
/// (<see cref="Stack"/>) and a browser session whose tabs are saved to artifacts when the test fails.
/// </summary>
public abstract class ConsoleBrowserTest(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private ConsoleStack? stack;

    private protected ConsoleStack Stack => stack ?? throw new InvalidOperationException("The console stack is not started.");

    /// <summary>Dispatch's clock; a class that moves time itself (session expiry, lockout) gives a fake one.</summary>
    private protected virtual TimeProvider? DispatchClock => null;

    /// <summary>Dispatch's supervision reporting time; a class that waits for "gateway offline" gives a short one.</summary>
    private protected virtual int? ReportingSeconds => null;

    public async Task InitializeAsync() => stack = await ConsoleStack.StartAsync(DispatchClock, ReportingSeconds);

    public async Task DisposeAsync()
    {
        if (stack is not null)
        {
            await stack.DisposeAsync();
        }
    }

    /// <summary>Runs the test's browser steps in a new session named after the test.</summary>
    private protected async Task InBrowserAsync(Func<BrowserSession, Task> steps, [CallerMemberName] string testName = "")
    {
        await using var session = chromium.NewSession(Stack.WebUri, testName);
        await session.RunAsync(() => steps(session));
    }
}
