namespace HomeGateway.Tests.Shared;

/// <summary>
/// The headless Chromium the browser tests and the console-load bench drive with Playwright: Playwright never downloads
/// a browser here. Linked into the end-to-end tests and the benchmarks.
/// </summary>
public static class ChromiumExecutable
{
    /// <summary>
    /// <c>HOMEGATEWAY_CHROMIUM</c> if set, else <c>chromium</c> on PATH (Debian's package puts it in /usr/bin).
    /// Missing is a failure, never a skip: the browser tier is part of what `make test` proves.
    /// </summary>
    public static string Find()
    {
        var configured = Environment.GetEnvironmentVariable("HOMEGATEWAY_CHROMIUM");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"HOMEGATEWAY_CHROMIUM names '{configured}', which does not exist.");
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "chromium"))
            .FirstOrDefault(File.Exists);
        return onPath ?? throw new InvalidOperationException(
            "The browser tests need Debian's headless Chromium ('chromium' on PATH) and found none. " +
            "Install it with tests/install-test-deps (or apt-get install chromium), or set HOMEGATEWAY_CHROMIUM to a Chromium executable.");
    }
}
