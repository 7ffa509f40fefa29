using System.Reflection;

namespace Rancher.Cloud.Harness;

/// <summary>Paths inside the repository and the build configuration the tests were built with.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        typeof(Repo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string Output(string projectDir, string file) =>
        Path.Combine(Root, projectDir, "bin", Configuration, "net10.0", file);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Rancher.Cloud.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Rancher.Cloud.sln not found above " + AppContext.BaseDirectory);
    }
}
