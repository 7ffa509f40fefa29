using System.Text.Json;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>Every real-world compose file in tests/compose-samples imports (or is refused naming key and line) and round-trips.</summary>
public sealed class ComposeSampleTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "compose-samples");

    /// <summary>The samples the platform refuses, and the key each refusal names.</summary>
    private static readonly Dictionary<string, string> Refused = new()
    {
        ["pihole-cloudflared-DoH.yaml"] = "services.cloudflared.networks.dns-net.ipv4_address",
        ["wasmedge-mysql-nginx.yaml"] = "services.backend.runtime",
    };

    /// <summary>The samples an environment's 'baseline' host-access policy refuses; they import under 'privileged'.</summary>
    private static readonly Dictionary<string, string> NeedPrivileged = new()
    {
        ["portainer.yaml"] = "services.portainer.volumes[0].source",
    };

    public static TheoryData<string> Samples() => new(Directory.GetFiles(Folder, "*.yaml").Select(Path.GetFileName).OfType<string>().Order());

    [Fact]
    public void All_twenty_samples_are_here() => Assert.Equal(20, Samples().Count);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Each_sample_imports_and_survives_an_export_round_trip_or_is_refused_by_key_and_line(string file)
    {
        var text = File.ReadAllText(Path.Combine(Folder, file));
        var imported = ComposeReader.Read("sample", text, new Dictionary<string, string>());
        var policy = Services.PolicyLevel.Baseline;
        if (NeedPrivileged.TryGetValue(file, out var needs))
        {
            Assert.Contains(needs, imported.Failure!.Fields!.ToDictionary().Keys);
            policy = Services.PolicyLevel.Privileged;
            imported = ComposeReader.Read("sample", text, new Dictionary<string, string>(), policy);
        }

        if (Refused.TryGetValue(file, out var key))
        {
            var errors = Assert.IsType<Errors.FieldErrors>(imported.Failure?.Fields).ToDictionary();
            Assert.Contains(key, errors.Keys);
            Assert.All(errors.Values.SelectMany(r => r), reason => Assert.Matches("^line [0-9]+: ", reason));
            return;
        }
        Assert.True(imported.Succeeded, string.Join("\n", imported.Failure?.Fields?.ToDictionary().Select(e => $"{e.Key}: {string.Join("; ", e.Value)}") ?? []));
        var first = imported.Value!;
        var exported = ComposeWriter.Write(first);
        var again = ComposeReader.Read("sample", exported, new Dictionary<string, string>(), policy);
        Assert.True(again.Succeeded, exported + "\n" + string.Join("\n", again.Failure?.Fields?.ToDictionary().Select(e => $"{e.Key}: {string.Join("; ", e.Value)}") ?? []));

        Assert.Equal(Json(first with { Ignored = [], Warnings = [] }), Json(again.Value! with { Ignored = [], Warnings = [] }));
        Assert.Equal(exported, ComposeWriter.Write(again.Value!));
    }

    private static string Json(StackDefinition stack) => JsonSerializer.Serialize(stack);
}
