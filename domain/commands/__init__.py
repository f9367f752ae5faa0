"""The hub's commands, one mixin of `domain.core.HubCore` per feature."""
