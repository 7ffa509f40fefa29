using System.Text.Json;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>Every field has a bound, and what passes them all still fits one storage row.</summary>
public sealed class InputBoundsTests
{
    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData("web\n")]
    [InlineData("web\r\n")]
    public void A_trailing_newline_is_not_part_of_a_valid_name(string name) =>
        Refused(Given.Draft(d => d with { Name = name }), "name");

    [Fact]
    public void Image_and_variable_names_with_a_trailing_newline_are_refused()
    {
        Refused(Given.Draft(d => d with { Image = "busybox\n" }), "image");
        Refused(Given.Draft(d => d with { Environment = new Dictionary<string, string?> { ["A\n"] = "1" } }), "environment.A\n");
        Refused(Given.Draft(d => d with { Alias = ["web\n"], Image = null, Ports = [], Scale = null }), "alias[0]");
    }

    [Fact]
    public void Image_tags_are_ascii_as_the_distribution_grammar_says() =>
        Refused(Given.Draft(d => d with { Image = "busybox:é" }), "image");

    [Fact]
    public void Variable_values_with_nul_or_past_their_length_are_refused()
    {
        Refused(Given.Draft(d => d with { Environment = new Dictionary<string, string?> { ["A"] = "x\0y" } }), "environment.A");
        Refused(Given.Draft(d => d with { Environment = new Dictionary<string, string?> { ["A"] = new string('x', 40_000) } }), "environment.A");
    }

    [Fact]
    public void Collections_past_their_count_are_refused()
    {
        Refused(Given.Draft(d => d with { Environment = Enumerable.Range(0, 20_000).ToDictionary(i => $"V{i}", _ => (string?)"1") }), "environment");
        Refused(Given.Draft(d => d with { Command = Enumerable.Repeat<string?>("x", Bounds.MaxArguments + 1).ToList() }), "command");
        Refused(Given.Draft(d => d with { Ports = Enumerable.Range(1, Bounds.MaxItems + 1).Select(p => (PortDraft?)new PortDraft { Published = p, Target = p }).ToList() }), "ports");
    }

    [Fact]
    public void A_service_that_passes_every_field_but_would_not_fit_its_row_is_refused_as_a_whole()
    {
        // Each value is within its own bound; together they are far past one row's property.
        var environment = Enumerable.Range(0, 10).ToDictionary(i => $"V{i}", _ => (string?)new string('x', Bounds.MaxArgumentLength));
        var outcome = ServiceSpec.From(Given.Draft(d => d with { Environment = environment }));
        Assert.False(outcome.Succeeded);
        Assert.Contains("when stored", Assert.Single(outcome.Failure!.Fields!.ToDictionary()["body"]), StringComparison.Ordinal);
    }

    [Fact]
    public void The_largest_service_accepted_fits_one_table_property()
    {
        // Grow the environment until the next variable would be refused: what is accepted just fits.
        var environment = new Dictionary<string, string?>();
        for (var i = 0; ; i++)
        {
            var grown = new Dictionary<string, string?>(environment) { [$"V{i:D3}"] = new string('x', 2000) };
            if (!ServiceSpec.From(Given.Draft(d => d with { Environment = grown })).Succeeded)
            {
                break;
            }
            environment = grown;
        }
        var (spec, _) = ServiceSpec.From(Given.Draft(d => d with { Environment = environment })).Value;
        var stored = JsonSerializer.Serialize(spec, StoredJson);
        Assert.InRange(stored.Length, ServiceSpec.MaxStoredLength - 2100, ServiceSpec.MaxStoredLength);
        Assert.True(stored.Length * 2 <= 64 * 1024, "one Table Storage property holds 64 KiB of UTF-16");
    }

    [Theory]
    [InlineData("99999999999999999999999g")]
    [InlineData("2048t")]
    public void Sizes_past_a_petabyte_are_refused_not_saturated(string size)
    {
        var outcome = ComposeReader.Read("shop", $"services:\n  web:\n    image: busybox\n    deploy:\n      resources:\n        limits:\n          memory: {size}\n", null);
        Assert.False(outcome.Succeeded);
        Assert.Contains(outcome.Failure!.Fields!.ToDictionary().Values.SelectMany(r => r), r => r.Contains("at most", StringComparison.Ordinal));
    }

    [Fact]
    public void Thousands_of_unset_variables_leave_a_bounded_list_of_warnings()
    {
        var value = string.Concat(Enumerable.Range(0, 5_000).Select(i => $"${{UNSET_{i}}}"));
        var stack = ComposeReader.Read("shop", $"services:\n  web:\n    image: busybox\n    environment:\n      A: \"{value}\"\n", null);
        Assert.True(stack.Succeeded);
        Assert.Equal(ComposeReader.MaxNotes + 1, stack.Value!.Warnings.Count);
        Assert.Contains("4900 more", stack.Value.Warnings[^1], StringComparison.Ordinal);
    }

    private static void Refused(ServiceDraft draft, string field)
    {
        var outcome = ServiceSpec.From(draft);
        Assert.False(outcome.Succeeded, $"'{field}' was accepted");
        var errors = outcome.Failure!.Fields!.ToDictionary();
        Assert.True(errors.ContainsKey(field), $"expected an error on '{field}', got: {string.Join(", ", errors.Keys)}");
    }
}
