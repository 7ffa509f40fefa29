namespace Rancher.Cloud.Agent.Networking;

/// <summary>Names the agent gives to the interfaces it makes, so it can tell them from the host's own.</summary>
public static class Overlay
{
    /// <summary>Every interface the agent makes starts with this: <c>rcb…</c> bridges, <c>rcw…</c> WireGuard.</summary>
    public const string InterfacePrefix = "rc";
}
