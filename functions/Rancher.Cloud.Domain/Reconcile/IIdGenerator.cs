namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>New, unique resource ids. Injected so the domain stays deterministic under test.</summary>
public interface IIdGenerator
{
    /// <summary>A new id, beginning with a one-letter prefix that says what kind of resource it names.</summary>
    string NewId(char prefix);
}
