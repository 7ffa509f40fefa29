using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>
/// Relative binds and secrets come from the stack's folder on this host, which containers may
/// write to. Docker follows symbolic links in a bind's source, so a link left there (by a container
/// of an earlier life of the stack) would mount whatever it points at, the host's root included.
/// A source whose path crosses a link is refused before the container is created or started. (Live
/// containers cannot plant one: the policy refuses a relative bind inside another's writable one.)
/// </summary>
public static class BindSources
{
    /// <summary>Why a mount of <paramref name="planned"/> cannot be bound safely, or null.</summary>
    public static string? LinkIn(string stateDir, PlannedContainer planned)
    {
        var folder = ContainerSpec.FolderOf(stateDir, planned);
        foreach (var mount in planned.Mounts.Where(m => m.Type is "bind" or "secret" && !m.Source.StartsWith('/')))
        {
            var path = stateDir;
            var relative = Path.GetRelativePath(stateDir, Path.GetFullPath(Path.Combine(folder, mount.Source)));
            foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                path = Path.Combine(path, part);
                if (new FileInfo(path).LinkTarget is { } target)
                {
                    return $"the bind source '{mount.Source}' crosses the symbolic link {path} -> {target}; binds from the stack's folder follow no links";
                }
            }
        }
        return null;
    }
}
