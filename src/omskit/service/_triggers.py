"""Staff triggers: the periodic sweep and the raised tasks (C5)."""

from collections.abc import Sequence

from omskit.events import DomainEvent
from omskit.model import Task
from omskit.ports import UnitOfWork
from omskit.service._base import ServiceBase, _check_id

__all__ = ["TriggerOperations"]


class TriggerOperations(ServiceBase):
    """The sweep of ``Oms(triggers=...)`` rules and the tasks they raised."""

    def sweep_triggers(self) -> tuple[Task, ...]:
        """Ask every trigger rule about every live order, now; return the tasks raised.

        Run it periodically (every few minutes, from your scheduler): rules
        that depend on time alone, such as "a line waiting more than 14 days
        turns red", become true without any event. Every service call already
        asks the rules about the orders it touched. Each rule raises at most
        one task per subject, so sweeping again raises nothing new. Orders in
        a terminal state are skipped. New tasks go to the staff notifier
        after the commit (a failing notifier is logged; see
        :meth:`deliver_tasks`).
        """

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> tuple[Task, ...]:
            terminal = self.lifecycles.order.terminal
            live = [o.order_id for o in uow.orders.list() if o.status not in terminal]
            return tuple(self._raise_tasks(uow, live, events))

        raised = self._run(work)
        if raised:
            self._deliver_quietly()
        return raised

    def tasks(self, *, order_id: str | None = None) -> Sequence[Task]:
        """The tasks trigger rules raised (of one order, with ``order_id``), by id."""
        if order_id is not None:
            _check_id(order_id, "order_id")
        with self._read() as uow:
            found = uow.tasks.list()
        if order_id is None:
            return found
        return tuple(
            task
            for task in found
            if task.subject == order_id or task.subject.startswith(f"{order_id}/")
        )
