using System.Runtime.CompilerServices;

namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// A service's launch configuration version: everything one of its containers is made from
/// (image, command, environment, ports, volumes, health check, labels, limits…), as a short hash.
/// Scale and placement rules are not part of it: changing them moves no container.
/// </summary>
public static class LaunchVersion
{
    // Specs are immutable: each one's version is computed once.
    private static readonly ConditionalWeakTable<ServiceSpec, string> Versions = new();

    public static string Of(ServiceSpec spec) =>
        Versions.GetValue(spec, s => Reconcile.HostPlanBuilder.Container(new Instance("", "", 0, ""), "", s).SpecHash[..12]);

    /// <summary>Whether <paramref name="text"/> has a version's shape: 12 lowercase hexadecimal digits.</summary>
    public static bool IsWellFormed(string text) => text.Length == 12 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}

/// <summary>A launch configuration the service ran before, kept for a rollback to it.</summary>
public sealed record ServiceVersion(string Version, ServiceSpec Spec, DateTimeOffset Since);

/// <summary>
/// Instance slots. A service's instances are numbered 1 to its scale; during an upgrade a slot
/// may hold two instances, the old and its replacement, so each slot has a twin row number
/// (slot + <see cref="Twin"/>) that the replacement takes. What a slot means is its
/// <see cref="Logical"/> number.
/// </summary>
public static class Slots
{
    public const int Twin = 5000;

    public static int Logical(int slot) => slot > Twin ? slot - Twin : slot;

    public static int TwinOf(int slot) => slot > Twin ? slot - Twin : slot + Twin;
}
