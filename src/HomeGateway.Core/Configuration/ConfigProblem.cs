namespace HomeGateway.Core.Configuration;

/// <summary>
/// One thing wrong with a home file. <paramref name="Field"/> is the path a technician would look for
/// (<c>rules.doorLeftOpen.after</c>); <paramref name="Line"/> is 1-based when the loader knows it.
/// </summary>
public sealed record ConfigProblem(string Field, string Message, int? Line = null)
{
    public string Format(string file) =>
        Line is { } line ? $"{file}:{line}: {Field}: {Message}" : $"{file}: {Field}: {Message}";
}

/// <summary>Thrown when a home file cannot be used; carries every problem found, not just the first.</summary>
public sealed class HomeConfigException(string file, IReadOnlyList<ConfigProblem> problems)
    : Exception(BuildMessage(file, problems))
{
    public string File { get; } = file;
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;

    private static string BuildMessage(string file, IReadOnlyList<ConfigProblem> problems) =>
        $"The home file {file} has {problems.Count} problem(s):{Environment.NewLine}"
        + string.Join(Environment.NewLine, problems.Select(p => "  " + p.Format(file)));
}
