using System.Diagnostics;
using System.Text;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>Hostile compose files: each is refused by line, quickly, and without building what it describes.</summary>
public sealed class ComposeBudgetTests
{
    private static string Refusal(string yaml)
    {
        var clock = Stopwatch.StartNew();
        var outcome = ComposeReader.Read("shop", yaml, null);
        Assert.False(outcome.Succeeded);
        // A generous bound: the attack took seconds or crashed the process; a refusal takes milliseconds.
        Assert.True(clock.ElapsedMilliseconds < 2_000, $"took {clock.ElapsedMilliseconds} ms");
        return string.Join("; ", outcome.Failure!.Fields!.ToDictionary()["compose"]);
    }

    [Theory]
    [InlineData(15_000)]
    [InlineData(65)]
    public void A_deeply_nested_mapping_is_refused_before_the_parser_recurses(int depth)
    {
        var yaml = "services:\n  web:\n    image: busybox\n    labels: "
            + string.Concat(Enumerable.Repeat("{a: ", depth)) + "b" + new string('}', depth) + "\n";
        Assert.Contains("line 4: nested deeper than 64 levels", Refusal(yaml));
    }

    [Fact]
    public void A_deeply_nested_flow_sequence_is_refused()
    {
        var yaml = "services:\n  web:\n    image: busybox\n    command: " + new string('[', 30_000) + new string(']', 30_000) + "\n";
        Assert.Contains("nested deeper than 64 levels", Refusal(yaml));
    }

    [Fact]
    public void Nesting_within_the_limit_is_read_as_usual()
    {
        // 64 levels in all: the root mapping, services, web, and 61 more.
        var yaml = "services:\n  web:\n    image: busybox\n    x-deep: " + string.Concat(Enumerable.Repeat("[", 61)) + new string(']', 61) + "\n";
        var outcome = ComposeReader.Read("shop", yaml, null);
        Assert.DoesNotContain("nested deeper", string.Join(";", outcome.Failure?.Fields?.ToDictionary().SelectMany(e => e.Value) ?? []));
    }

    [Fact]
    public void An_alias_of_a_large_anchor_repeated_is_refused_by_its_expanded_size()
    {
        var yaml = new StringBuilder("x-s: &s \"").Append('$', 100_000).Append("\"\nservices:\n  web:\n    image: busybox\n    command: [")
            .Append(string.Join(", ", Enumerable.Repeat("*s", 10_000))).Append("]\n").ToString();
        Assert.Contains("line 5: expands to more than 1024 KiB of text", Refusal(yaml));
    }

    [Fact]
    public void Nested_aliases_are_counted_as_the_copies_they_stand_for()
    {
        // The billion laughs: each level holds ten of the one before.
        var yaml = new StringBuilder("x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append($"x-{level}: &{level} [").Append(string.Join(", ", Enumerable.Repeat($"*{previous}", 10))).Append("]\n");
        }
        yaml.Append("services:\n  web:\n    image: busybox\n    command: *i\n");
        Assert.Contains("expands to more than 100000 nodes", Refusal(yaml.ToString()));
    }

    [Fact]
    public void A_broken_document_the_node_loader_chokes_on_is_refused_not_thrown()
    {
        // Found by the request fuzzer: YamlDotNet throws ArgumentException for it, which was a 500.
        var outcome = ComposeReader.Read("blog", "services:\n  web:\n    image: \n    : \n", null);
        Assert.False(outcome.Succeeded);
        Assert.Contains("not valid YAML", Assert.Single(outcome.Failure!.Fields!.ToDictionary()["compose"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Variables_expanding_past_the_budget_are_refused_before_they_are_built()
    {
        // Found by the hostile probe: 60,000 × ${A} of 8,000 characters took the process to 2 GB.
        var yaml = "services:\n  web:\n    image: busybox\n    environment:\n      X: \"" + string.Concat(Enumerable.Repeat("${A}", 60_000)) + "\"\n";
        var before = GC.GetAllocatedBytesForCurrentThread();
        var outcome = ComposeReader.Read("shop", yaml, new Dictionary<string, string> { ["A"] = new string('x', 8000) });
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(outcome.Succeeded);
        Assert.Contains("variables expand the file to more than 1024 KiB", Assert.Single(outcome.Failure!.Fields!.ToDictionary()["compose"]), StringComparison.Ordinal);
        Assert.True(allocated < 64L << 20, $"allocated {allocated >> 20} MiB");
    }

    [Fact]
    public void Many_errors_under_a_long_key_make_a_bounded_refusal()
    {
        // Found by the second probe: an explicit 40,000-character key with 8,000 unknown keys under it
        // answered 321 MB, each error repeating the key in its path.
        var key = new string('s', 40_000);
        var yaml = $"services:\n  ? {key}\n  :\n    image: busybox\n" + string.Concat(Enumerable.Range(0, 8_000).Select(i => $"    k{i}: 1\n"));
        var outcome = ComposeReader.Read("shop", yaml, null);
        var errors = outcome.Failure!.Fields!.ToDictionary();

        Assert.True(errors.Count <= Errors.FieldErrors.MaxFields + 1);
        Assert.True(errors.Sum(e => e.Key.Length + e.Value.Sum(r => r.Length)) < 512 * 1024);
        Assert.Contains("more refusals are left out", errors[Errors.FieldErrors.MoreField][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Anchors_and_merges_of_ordinary_files_are_within_budget()
    {
        var yaml = """
            x-defaults: &defaults
              image: busybox
              environment: {A: "1", B: "2"}
            services:
              web:
                <<: *defaults
              worker:
                <<: *defaults
            """;
        Assert.Null(ComposeBudget.Check(yaml));
        Assert.True(ComposeReader.Read("shop", yaml, null).Succeeded);
    }
}
