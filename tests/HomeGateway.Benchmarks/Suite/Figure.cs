namespace HomeGateway.Benchmarks.Suite;

/// <summary>
/// One measured figure. <see cref="Name"/> is <c>group.key</c> (e.g. <c>endToEnd.latencyP99</c>); the unit is separate,
/// never part of the name. Where a peer ran the same work in the same run, its figure and the ratio ours/peer are
/// kept with it, and appear in latest.json as <c>group.keyPeer</c> and <c>group.keyRatio</c>.
/// </summary>
public sealed record Figure(string Name, string Title, double Value, string Unit)
{
    /// <summary>Who the comparison is with (e.g. "Node-RED 4.1.15"), when there is one.</summary>
    public string? Peer { get; init; }

    public double? PeerValue { get; init; }

    /// <summary>Ours divided by the peer's (lower is better for time and memory).</summary>
    public double? Ratio => PeerValue is { } peer && peer != 0 ? Value / peer : null;

    /// <summary>The target reported against (never asserted), e.g. "ratio ≤ 0.5".</summary>
    public string? Goal { get; init; }

    public bool? GoalMet { get; init; }

    /// <summary>How it was measured, in a few words, when the title does not say it.</summary>
    public string? Note { get; init; }
}
