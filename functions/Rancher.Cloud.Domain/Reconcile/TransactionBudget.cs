namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>
/// What one step may write, counted the way the store that commits it counts: operations
/// per kind of change and payload bytes. The store defines it from its real writes (see
/// <c>EnvironmentState.Budget</c>); the planner only spends it, so the two cannot drift.
/// Each cost is the most that kind of change can take.
/// </summary>
public sealed record TransactionBudget
{
    /// <summary>Operations one transaction holds.</summary>
    public required int Operations { get; init; }

    /// <summary>Payload bytes one transaction holds.</summary>
    public required long Bytes { get; init; }

    /// <summary>Operations and bytes every step takes whatever it changes (the revision it moves on).</summary>
    public required int PerStep { get; init; }

    public required int PerAdded { get; init; }

    public required int PerRemoved { get; init; }

    /// <summary>A deleted service's last rows, gone.</summary>
    public required int PerPurged { get; init; }

    public required int PerStatus { get; init; }

    public required int PerReplacement { get; init; }

    public required int PerPlan { get; init; }

    /// <summary>A service row rewritten by its upgrade.</summary>
    public required int PerService { get; init; }

    /// <summary>An instance row rewritten as it leaves rotation.</summary>
    public required int PerRetired { get; init; }

    /// <summary>Bytes any one row takes in the payload before its content (keys, headers, framing).</summary>
    public required int RowBytes { get; init; }

    /// <summary>Payload bytes per character of JSON content stored in a row (JSON inside a string is escaped).</summary>
    public required int BytesPerContentChar { get; init; }

    /// <summary>Content longer than this many characters is stored compressed.</summary>
    public required int CompressedAboveChars { get; init; }

    /// <summary>Payload bytes per character of content stored compressed (at most; it is usually far less).</summary>
    public required int BytesPerCompressedChar { get; init; }
}
