from django.db import models


class Model(models.Model):
    """A product model in the catalogue (not a machine-learning model)."""
    name = models.CharField(max_length=100)
