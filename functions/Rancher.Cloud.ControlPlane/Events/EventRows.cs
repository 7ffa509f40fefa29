using System.Globalization;
using System.Security.Cryptography;
using Azure.Data.Tables;
using Rancher.Cloud.Domain.Events;

namespace Rancher.Cloud.ControlPlane.Events;

/// <summary>
/// Event rows in an environment's state partition, so one transaction writes a change and its
/// event: <c>event~&lt;inverted ticks&gt;-&lt;random&gt;</c>, which sorts newest first.
/// </summary>
public static class EventRows
{
    public const string Prefix = "event~";

    public static TableEntity ToRow(string partition, EnvironmentEvent e, DateTimeOffset at) =>
        new(partition, KeyAt(at) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)))
        {
            ["Type"] = e.Type,
            ["Subject"] = e.Subject,
            ["Message"] = e.Message.Length <= 1000 ? e.Message : e.Message[..1000] + "…",
            ["At"] = at,
        };

    /// <summary>The key events at <paramref name="at"/> start with: later events sort before it.</summary>
    public static string KeyAt(DateTimeOffset at) =>
        Prefix + (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    public static TableTransactionAction Add(string partition, EnvironmentEvent e, DateTimeOffset at) =>
        new(TableTransactionActionType.Add, ToRow(partition, e, at));

    public static EventView ToView(TableEntity row) => new(
        row.RowKey[Prefix.Length..], row.GetString("Type"), row.GetString("Subject"), row.GetString("Message"), row.GetDateTimeOffset("At") ?? default);
}

/// <summary>An event as the API shows it.</summary>
public sealed record EventView(string Id, string Type, string Subject, string Message, DateTimeOffset At);

/// <summary>A page of events, newest first; <see cref="Next"/> reads the page after.</summary>
public sealed record EventPage(IReadOnlyList<EventView> Items, string? Next);
