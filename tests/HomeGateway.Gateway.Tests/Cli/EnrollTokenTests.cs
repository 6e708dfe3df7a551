using HomeGateway.Gateway.Cli;

namespace HomeGateway.Gateway.Tests.Cli;

/// <summary>
/// Invariant: the enrolment code need never be on a command line (where `ps` shows it to every user of the Pi): it comes
/// from a private file or stdin; a file others can read is refused, and a code on the command line still works but warns.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EnrollTokenTests
{
    private const string Code = "hge1.secret-code.AB:CD";

    [Fact]
    public async Task The_code_is_read_from_a_private_file()
    {
        using var dir = new TempDirectory();
        var file = dir.File("code");
        await File.WriteAllTextAsync(file, Code + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var error = new StringWriter();

        var (code, problem) = await EnrollCommand.ReadCodeAsync(null, file, TextReader.Null, error, CancellationToken.None);

        Assert.Equal(Code, code);
        Assert.Null(problem);
        Assert.Empty(error.ToString());
    }

    [Fact]
    public async Task A_code_file_other_users_can_read_is_refused()
    {
        using var dir = new TempDirectory();
        var file = dir.File("code");
        await File.WriteAllTextAsync(file, Code);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (code, problem) = await EnrollCommand.ReadCodeAsync(null, file, TextReader.Null, new StringWriter(), CancellationToken.None);

        Assert.Null(code);
        Assert.Contains("readable by other users", problem, StringComparison.Ordinal);
        Assert.Contains("chmod 600", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-", null)]
    [InlineData(null, "-")]
    public async Task A_dash_reads_the_code_from_stdin(string? token, string? tokenFile)
    {
        var (code, _) = await EnrollCommand.ReadCodeAsync(token, tokenFile, new StringReader(Code + "\n"), new StringWriter(), CancellationToken.None);

        Assert.Equal(Code, code);
    }

    [Fact]
    public async Task A_code_on_the_command_line_still_works_but_warns_that_ps_shows_it()
    {
        var error = new StringWriter();

        var (code, _) = await EnrollCommand.ReadCodeAsync(Code, null, TextReader.Null, error, CancellationToken.None);

        Assert.Equal(Code, code);
        Assert.Contains("visible to every user of this machine (ps", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_command_without_any_code_is_misuse()
    {
        var error = new StringWriter();
        var exit = await GatewayCli.InvokeAsync(["enroll", "--dispatch", "https://127.0.0.1:1", "--data", Path.GetTempPath()],
            new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error });

        Assert.Equal(2, exit);
        Assert.Contains("--token-file", error.ToString(), StringComparison.Ordinal);
    }
}
