using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Rancher.Cloud.IntegrationTests.Fuzzing;

/// <summary>One generated request: where it goes, as what, and its body.</summary>
public sealed record FuzzRequest(string Kind, string Method, string Path, string ContentType, string Body)
{
    public override string ToString() => $"{Method} {Path} ({ContentType}, {Body.Length} chars): {(Body.Length > 160 ? Body[..160] + "…" : Body)}";
}

/// <summary>
/// FsCheck generators for hostile and careless bodies: JSON that is deep, wide, mistyped,
/// oversized, duplicated or broken, and compose files that are deep, wide, aliased, oversized
/// or malformed, each aimed at a real route. Seeded, so a failing case can be replayed.
/// </summary>
public static class RequestFuzzer
{
    private static readonly string[] Texts =
    [
        "", " ", "web", "web\n", "Web", "a\0b", "\u0001", "é", "${X}", "$$", "'\"", "../../etc", "/", "/var/run/docker.sock",
        "busybox", "busybox:1.36", "ALL", "host", "10.42.0.0/16", "0.0.0.0/0", "-1", "1e400", "true", "null", "{", "[",
    ];

    private static Gen<string> Text =>
        Gen.OneOf(
            Gen.Elements(Texts),
            Gen.Choose(0, 70_000).Select(n => new string('x', n)),
            Gen.ArrayOf(Gen.Choose(0, 0x2FF).Select(c => (char)c)).Select(cs => new string(cs)));

    private static Gen<string> Number =>
        Gen.Elements("0", "-1", "1", "5", "500", "501", "65535", "65536", "2147483648", "-9223372036854775809", "1.5", "1e400", "\"5\"", "NaN");

    /// <summary>Any JSON value, nested up to <paramref name="depth"/>; sometimes far deeper than any body should be.</summary>
    private static Gen<string> Json(int depth) =>
        depth <= 0
            ? Gen.OneOf(Number, Text.Select(Quote), Gen.Elements("true", "false", "null"))
            : Gen.Frequency(
                (4, Json(0)),
                (2, Gen.ListOf(Json(depth - 1)).Select(items => "[" + string.Join(",", items.Take(20)) + "]")),
                (2, Gen.ListOf(from k in Text from v in Json(depth - 1) select Quote(k[..Math.Min(k.Length, 40)]) + ":" + v)
                    .Select(members => "{" + string.Join(",", members.Take(20)) + "}")),
                (1, Gen.Choose(30, 5_000).Select(n => string.Concat(Enumerable.Repeat("[", n)) + string.Concat(Enumerable.Repeat("]", n)))));

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    /// <summary>A valid service body with one field replaced, removed, duplicated, or the whole body broken.</summary>
    private static Gen<string> ServiceBody =>
        from name in Gen.Elements("web", "api", "db", "cache")
        from member in Gen.Elements("name", "image", "command", "environment", "ports", "scale", "scheduling", "volumes", "labels", "healthCheck", "limits", "capAdd", "hostAccess", "alias", "external", "entrypoint", "user", "hostname", "restart", "bogus")
        from value in Json(3)
        from shape in Gen.Choose(0, 5)
        select shape switch
        {
            0 => $$"""{"name":"{{name}}","image":"busybox","scale":0,"{{member}}":{{value}}}""",
            1 => $$"""{"name":"{{name}}","image":"busybox","scale":0,"{{member}}":{{value}},"{{member}}":{{value}}}""",
            2 => $$"""{"name":"{{name}}","image":"busybox","scale":0,"ports":[{"published":{{value}},"target":80}]}""",
            3 => $$$"""{"name":"{{{name}}}","image":"busybox","scale":0,"environment":{"A":{{{value}}}}}""",
            4 => value,
            _ => $$"""{"name":"{{name}}","image":"busybox","scale":0""", // cut short
        };

    /// <summary>Compose files: a valid base with a hostile part spliced in.</summary>
    private static Gen<string> ComposeText =>
        from depth in Gen.Choose(1, 40_000)
        from width in Gen.Choose(1, 20_000)
        from aliases in Gen.Choose(1, 20_000)
        from anchorSize in Gen.Choose(1, 200_000)
        from text in Text
        from shape in Gen.Choose(0, 7)
        select shape switch
        {
            0 => "services:\n  web:\n    image: busybox\n    labels: " + string.Concat(Enumerable.Repeat("{a: ", depth)) + "b" + new string('}', depth) + "\n",
            1 => "services:\n  web:\n    image: busybox\n    command: " + new string('[', depth) + new string(']', depth) + "\n",
            2 => $"x-s: &s \"{new string('$', Math.Min(anchorSize, 200_000))}\"\nservices:\n  web:\n    image: busybox\n    command: [" + string.Join(", ", Enumerable.Repeat("*s", aliases)) + "]\n",
            3 => "services:\n  web:\n    image: busybox\n    environment:\n" + string.Concat(Enumerable.Range(0, width).Select(i => $"      V{i}: \"{i}\"\n")),
            4 => "services:\n" + string.Concat(Enumerable.Range(0, Math.Min(width, 2_000)).Select(i => $"  s{i}:\n    image: busybox\n")),
            5 => "services:\n  web:\n    image: " + text + "\n    " + text + ": " + text + "\n",
            6 => text,
            _ => "services:\n  web:\n    image: busybox\n    environment:\n      A: \"" + string.Concat(Enumerable.Range(0, Math.Min(width, 10_000)).Select(i => $"${{U{i}}}")) + "\"\n",
        };

    private static Gen<string> Facts =>
        from hostname in Text
        from version in Text
        from cpus in Number
        from memory in Number
        from extra in Json(2)
        select $$"""{"facts":{"hostname":{{Quote(hostname)}},"dockerVersion":{{Quote(version)}},"cpus":{{cpus}},"memoryBytes":{{memory}},"os":"Debian","architecture":"x86_64","labels":{{extra}}},"appliedPlanVersion":0}""";

    private static Gen<string> MediaType => Gen.Frequency(
        (12, Gen.Constant("application/json")),
        (1, Gen.Elements("application/jsonx", "application/json-patch+json", "text/plain", "application/json; charset=latin1", "application/x-www-form-urlencoded")));

    /// <summary>Requests for one environment, one service in it and one host credential (agent routes).</summary>
    public static Gen<FuzzRequest> Requests(string envId, string serviceId) =>
        Gen.Frequency(
            (5, from body in ServiceBody from type in MediaType select new FuzzRequest("service", "POST", $"environments/{envId}/services", type, body)),
            (3, from compose in ComposeText from name in Gen.Elements("blog", "shop", "Blog", "blog\n")
                select new FuzzRequest("stack", "POST", $"environments/{envId}/stacks", "application/json",
                    $$"""{"name":{{Quote(name)}},"compose":{{Quote(compose)}}}""")),
            (2, from value in Json(3) from type in MediaType select new FuzzRequest("environment", "POST", "environments", type, $$"""{"name":{{value}}}""")),
            (2, from body in Facts select new FuzzRequest("heartbeat", "POST", "agent/heartbeat", "application/json", body)),
            (2, from value in Json(2) select new FuzzRequest("scale", "PATCH", $"environments/{envId}/services/{serviceId}", "application/json", $$"""{"scale":{{value}}}""")),
            (1, from value in Json(4) select new FuzzRequest("member", "POST", "members", "application/json", value)));

    /// <summary><paramref name="count"/> requests from <paramref name="seed"/>: the same seed, the same requests.</summary>
    public static IReadOnlyList<FuzzRequest> Sample(string envId, string serviceId, int seed, int count) =>
        Gen.Sample(Requests(envId, serviceId), 30, new Rnd((ulong)seed), count);

    public static StringContent Content(FuzzRequest request)
    {
        var content = new StringContent(request.Body, Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ? type : new("application/octet-stream");
        return content;
    }
}
