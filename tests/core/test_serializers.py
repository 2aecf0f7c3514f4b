"""core.serializers.ModelSerializer: the model is read once per class, every instance has its own fields,
and the answer is the one DRF's own ModelSerializer gives."""

from unittest import mock

import pytest
from rest_framework import serializers

from core.serializers import ModelSerializer
from tasks.models import Task
from tests import factories

pytestmark = [pytest.mark.django_db]


class Plain(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "number", "brief", "units", "status", "project", "label"]

    def get_label(self, task) -> str:
        return f"{self.context.get('prefix', '')}{task.number}"


class Once(ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = Plain.Meta.fields

    def get_label(self, task) -> str:
        return f"{self.context.get('prefix', '')}{task.number}"


class OnceMore(Once):
    class Meta(Once.Meta):
        fields = ["id", "number"]


@pytest.fixture
def tasks(supervisor, company):
    project = factories.project(supervisor, company, tasks=3)
    return list(project.tasks.order_by("pk"))


def test_the_answer_is_drf_s(tasks):
    assert Once(tasks, many=True, context={"prefix": "#"}).data == Plain(tasks, many=True, context={"prefix": "#"}).data
    assert Once(data={"number": "x"}).is_valid() == Plain(data={"number": "x"}).is_valid()


def test_the_model_is_read_once_per_class(tasks):
    with mock.patch.object(serializers.ModelSerializer, "build_field", wraps=Once().build_field) as spy:
        if "_fields_built" in Once.__dict__:  # built by an earlier test
            del Once._fields_built
        for task in tasks:
            assert Once(task).data["id"] == task.pk
        built_once = spy.call_count
        for task in tasks:
            assert Plain(task).data["id"] == task.pk
    assert 0 < built_once < spy.call_count - built_once  # DRF's own builds them for every answer


def test_every_instance_has_its_own_fields_and_a_subclass_its_own_set(tasks):
    first, second = Once(tasks[0], context={"prefix": "a"}), Once(tasks[1], context={"prefix": "b"})
    assert first.fields["label"] is not second.fields["label"]
    assert first.fields["label"].parent is first and second.fields["label"].parent is second
    assert (first.data["label"], second.data["label"]) == (f"a{tasks[0].number}", f"b{tasks[1].number}")
    assert list(OnceMore(tasks[0]).data) == ["id", "number"]
    assert "label" in Once(tasks[0]).data
