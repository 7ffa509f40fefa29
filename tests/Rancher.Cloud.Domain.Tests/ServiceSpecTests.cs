using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

public sealed class ServiceSpecTests
{
    [Fact]
    public void A_valid_draft_becomes_a_spec_with_defaults_filled_in()
    {
        var outcome = ServiceSpec.From(Given.Draft());

        Assert.True(outcome.Succeeded);
        var (spec, scale) = outcome.Value;
        Assert.Equal("web", spec.Name);
        Assert.Equal(2, scale);
        Assert.Equal(new PortMapping(18080, 80, "tcp"), Assert.Single(spec.Ports));
        Assert.Equal("hi", spec.Environment["GREETING"]);
    }

    [Fact]
    public void Scale_defaults_to_one() =>
        Assert.Equal(1, ServiceSpec.From(Given.Draft(d => d with { Scale = null })).Value.Scale);

    [Theory]
    [InlineData("Web", "name")]
    [InlineData("-web", "name")]
    [InlineData("web_1", "name")]
    [InlineData("", "name")]
    public void Names_must_be_dns_labels(string name, string field) =>
        AssertRefused(Given.Draft(d => d with { Name = name }), field);

    [Fact]
    public void Names_longer_than_a_dns_label_are_refused() =>
        AssertRefused(Given.Draft(d => d with { Name = new string('a', 64) }), "name", "at most 63");

    [Theory]
    [InlineData("Busybox")]
    [InlineData("busybox:")]
    [InlineData("busy box")]
    [InlineData("registry:5000/")]
    [InlineData("busybox@sha256:abc")]
    public void Images_must_be_references(string image) =>
        AssertRefused(Given.Draft(d => d with { Image = image }), "image", "not a valid image reference");

    [Theory]
    [InlineData("busybox")]
    [InlineData("library/busybox:1.36")]
    [InlineData("localhost:5000/a/b-c_d.e:tag")]
    [InlineData("busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Real_image_references_are_accepted(string image) =>
        Assert.True(ServiceSpec.From(Given.Draft(d => d with { Image = image })).Succeeded);

    [Theory]
    [InlineData(0, 80, "ports[0].published")]
    [InlineData(65536, 80, "ports[0].published")]
    [InlineData(8080, -1, "ports[0].target")]
    public void Ports_must_be_in_range(int published, int target, string field) =>
        AssertRefused(Given.Draft(d => d with { Ports = [new PortDraft { Published = published, Target = target }] }), field, "between 1 and 65535");

    [Fact]
    public void A_port_published_twice_by_one_service_is_refused() =>
        AssertRefused(
            Given.Draft(d => d with { Ports = [new PortDraft { Published = 80, Target = 80 }, new PortDraft { Published = 80, Target = 81 }] }),
            "ports[1].published", "published twice");

    [Fact]
    public void The_same_port_number_on_tcp_and_udp_is_allowed() =>
        Assert.True(ServiceSpec.From(Given.Draft(d => d with
        {
            Ports = [new PortDraft { Published = 53, Target = 53 }, new PortDraft { Published = 53, Target = 53, Protocol = "udp" }],
        })).Succeeded);

    [Fact]
    public void Unknown_protocols_are_refused() =>
        AssertRefused(Given.Draft(d => d with { Ports = [new PortDraft { Published = 1, Target = 1, Protocol = "sctp" }] }), "ports[0].protocol");

    [Theory]
    [InlineData("1ABC")]
    [InlineData("A=B")]
    [InlineData("")]
    public void Environment_variable_names_are_checked(string name) =>
        AssertRefused(Given.Draft(d => d with { Environment = new Dictionary<string, string?> { [name] = "x" } }), $"environment.{name}");

    [Theory]
    [InlineData(-1)]
    [InlineData(ServiceSpec.MaxScale + 1)]
    public void Scale_must_be_within_limits(int scale) =>
        AssertRefused(Given.Draft(d => d with { Scale = scale }), "scale");

    [Fact]
    public void Every_refused_field_is_named_at_once()
    {
        var outcome = ServiceSpec.From(new ServiceDraft { Name = "Bad", Image = "", Scale = -3, Command = [null] });

        var fields = outcome.Failure!.Fields!.ToDictionary().Keys;
        Assert.Equal(["command[0]", "image", "name", "scale"], fields.Order(StringComparer.Ordinal));
    }

    private static void AssertRefused(ServiceDraft draft, string field, string? reasonPart = null)
    {
        var outcome = ServiceSpec.From(draft);
        Assert.False(outcome.Succeeded);
        var errors = outcome.Failure!.Fields!.ToDictionary();
        Assert.True(errors.ContainsKey(field), $"expected an error on '{field}', got: {string.Join(", ", errors.Keys)}");
        if (reasonPart is not null)
        {
            Assert.Contains(errors[field], r => r.Contains(reasonPart, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Scheduling_rules_default_to_hard_equal_rules_and_cores_become_millicores()
    {
        var outcome = ServiceSpec.From(Given.Draft(d => d with
        {
            Scheduling = new Scheduling.SchedulingDraft
            {
                HostLabels = [new Scheduling.HostLabelRuleDraft("zone", "east", null, null), new Scheduling.HostLabelRuleDraft("disk", "ssd", "ne", true)],
                Affinity = [new Scheduling.AffinityRuleDraft("db", true, null)],
                Reservations = new Scheduling.ReservationDraft(0.25, 64L << 20),
            },
        }));

        var rules = outcome.Value.Spec.Scheduling;
        Assert.Equal(new Scheduling.HostLabelRule("zone", "east"), rules.HostLabels[0]);
        Assert.Equal(new Scheduling.HostLabelRule("disk", "ssd", Equal: false, Soft: true), rules.HostLabels[1]);
        Assert.Equal(new Scheduling.ServiceAffinityRule("db", Anti: true), Assert.Single(rules.Affinity));
        Assert.Equal(new Scheduling.Reservation(250, 64L << 20), rules.Reservation);
    }

    [Fact]
    public void A_service_without_rules_has_none() =>
        Assert.Same(Scheduling.SchedulingRules.None, ServiceSpec.From(Given.Draft()).Value.Spec.Scheduling);
}
